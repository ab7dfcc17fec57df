-- Drops the soft-delete view, the table (its partitions, policies, triggers, grants go
-- with it) and the numbering trigger function.
SET LOCAL ROLE cmms_owner;

DROP VIEW cmms.active_work_orders;

DROP TABLE cmms.work_orders;

DROP FUNCTION cmms.assign_work_order_number();
