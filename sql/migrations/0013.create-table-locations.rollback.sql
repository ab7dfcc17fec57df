-- Drops the soft-delete view, the table (with its policies, triggers and grants) and the
-- hierarchy trigger function.
SET LOCAL ROLE cmms_owner;

DROP VIEW cmms.active_locations;

DROP TABLE cmms.locations;

DROP FUNCTION cmms.refuse_hierarchy_cycle();
