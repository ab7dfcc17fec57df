-- Drops the soft-delete view, then the table (and with it its policies, triggers, grants).
SET LOCAL ROLE cmms_owner;

DROP VIEW cmms.active_work_order_template_parts;

DROP TABLE cmms.work_order_template_parts;
