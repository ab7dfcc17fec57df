-- Drops the soft-delete view, then the table (and with it its policies, triggers, grants).
SET LOCAL ROLE cmms_owner;

DROP VIEW cmms.active_rule_firings;

DROP TABLE cmms.rule_firings;
