-- Drops the completed work orders index with the partitions' indexes attached to it (a
-- partitioned index cannot be dropped concurrently).
DROP INDEX IF EXISTS cmms.work_orders_completed_at_idx;
