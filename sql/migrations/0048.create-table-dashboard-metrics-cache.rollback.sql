-- Drops the table (and with it its policies, trigger, grants); it has no soft-delete view.
SET LOCAL ROLE cmms_owner;

DROP TABLE cmms.dashboard_metrics_cache;
