-- Drops the soft-delete view, the table (with its policies, triggers and grants) and the
-- purchase order numbering trigger function.
SET LOCAL ROLE cmms_owner;

DROP VIEW cmms.active_purchase_orders;

DROP TABLE cmms.purchase_orders;

DROP FUNCTION cmms.assign_purchase_order_number();
