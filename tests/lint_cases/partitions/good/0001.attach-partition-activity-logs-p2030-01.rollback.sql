-- Undoes 0001.attach-partition-activity-logs-p2030-01.
SET LOCAL ROLE cmms_owner;

-- cmmsdb: allow require-concurrent-partition-detach because the rollback runs in a transaction
ALTER TABLE cmms.activity_logs DETACH PARTITION cmms.activity_logs_p2030_01;
