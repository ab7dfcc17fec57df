-- When each work order was archived, so that `cmmsdb restore --since DATE` can restore a
-- tenant's work orders archived since a date. Only cmms_archive.work_orders has it (its
-- dependants follow their work order); it is not a column of the live table, so archiving
-- and restoring, which copy the live table's columns by name, fill it by its default (the
-- archiving transaction's start) and leave it behind. Rows archived before this migration
-- get the time it ran. A constant default: no rewrite.
SET LOCAL ROLE cmms_owner;

ALTER TABLE cmms_archive.work_orders
ADD COLUMN archived_at timestamptz NOT NULL DEFAULT now();

COMMENT ON COLUMN cmms_archive.work_orders.archived_at IS
'When the work order was moved into the archive (the archiving transaction''s start); not a column of '
'cmms.work_orders: restore leaves it behind.';
