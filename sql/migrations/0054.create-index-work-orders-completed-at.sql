-- An index for the dashboard's mean time to repair (and any report over completed work by
-- date): each tenant's completed and closed work orders by completion time, with the start
-- time included so that the average needs no heap access. Work orders may be large and in
-- use: the index is made on the partitioned table only (no build), built concurrently on
-- each partition, and each partition's index attached; the parent becomes valid when the
-- last one is attached. Every statement is safe to re-run.
-- transactional: false
CREATE INDEX IF NOT EXISTS work_orders_completed_at_idx
ON ONLY cmms.work_orders (organization_id, completed_at)
INCLUDE (started_at)
WHERE status IN ('completed', 'closed') AND deleted_at IS NULL;

CREATE INDEX CONCURRENTLY IF NOT EXISTS work_orders_p0_completed_at_idx
ON cmms.work_orders_p0 (organization_id, completed_at)
INCLUDE (started_at)
WHERE status IN ('completed', 'closed') AND deleted_at IS NULL;

ALTER INDEX cmms.work_orders_completed_at_idx
ATTACH PARTITION cmms.work_orders_p0_completed_at_idx;

CREATE INDEX CONCURRENTLY IF NOT EXISTS work_orders_p1_completed_at_idx
ON cmms.work_orders_p1 (organization_id, completed_at)
INCLUDE (started_at)
WHERE status IN ('completed', 'closed') AND deleted_at IS NULL;

ALTER INDEX cmms.work_orders_completed_at_idx
ATTACH PARTITION cmms.work_orders_p1_completed_at_idx;

CREATE INDEX CONCURRENTLY IF NOT EXISTS work_orders_p2_completed_at_idx
ON cmms.work_orders_p2 (organization_id, completed_at)
INCLUDE (started_at)
WHERE status IN ('completed', 'closed') AND deleted_at IS NULL;

ALTER INDEX cmms.work_orders_completed_at_idx
ATTACH PARTITION cmms.work_orders_p2_completed_at_idx;

CREATE INDEX CONCURRENTLY IF NOT EXISTS work_orders_p3_completed_at_idx
ON cmms.work_orders_p3 (organization_id, completed_at)
INCLUDE (started_at)
WHERE status IN ('completed', 'closed') AND deleted_at IS NULL;

ALTER INDEX cmms.work_orders_completed_at_idx
ATTACH PARTITION cmms.work_orders_p3_completed_at_idx;

CREATE INDEX CONCURRENTLY IF NOT EXISTS work_orders_p4_completed_at_idx
ON cmms.work_orders_p4 (organization_id, completed_at)
INCLUDE (started_at)
WHERE status IN ('completed', 'closed') AND deleted_at IS NULL;

ALTER INDEX cmms.work_orders_completed_at_idx
ATTACH PARTITION cmms.work_orders_p4_completed_at_idx;

CREATE INDEX CONCURRENTLY IF NOT EXISTS work_orders_p5_completed_at_idx
ON cmms.work_orders_p5 (organization_id, completed_at)
INCLUDE (started_at)
WHERE status IN ('completed', 'closed') AND deleted_at IS NULL;

ALTER INDEX cmms.work_orders_completed_at_idx
ATTACH PARTITION cmms.work_orders_p5_completed_at_idx;

CREATE INDEX CONCURRENTLY IF NOT EXISTS work_orders_p6_completed_at_idx
ON cmms.work_orders_p6 (organization_id, completed_at)
INCLUDE (started_at)
WHERE status IN ('completed', 'closed') AND deleted_at IS NULL;

ALTER INDEX cmms.work_orders_completed_at_idx
ATTACH PARTITION cmms.work_orders_p6_completed_at_idx;

CREATE INDEX CONCURRENTLY IF NOT EXISTS work_orders_p7_completed_at_idx
ON cmms.work_orders_p7 (organization_id, completed_at)
INCLUDE (started_at)
WHERE status IN ('completed', 'closed') AND deleted_at IS NULL;

ALTER INDEX cmms.work_orders_completed_at_idx
ATTACH PARTITION cmms.work_orders_p7_completed_at_idx;
