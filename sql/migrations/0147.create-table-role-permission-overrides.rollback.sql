-- Drops the soft-delete view, then the table (and with it its policies, triggers, grants).
SET LOCAL ROLE cmms_owner;

DROP VIEW cmms.active_role_permission_overrides;

DROP TABLE cmms.role_permission_overrides;
