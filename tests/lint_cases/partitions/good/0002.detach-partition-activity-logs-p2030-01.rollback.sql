-- Undoes 0002.detach-partition-activity-logs-p2030-01.
-- cmmsdb: allow prefer-robust-stmts because ATTACH has no IF NOT EXISTS: a re-run fails loudly
ALTER TABLE cmms.activity_logs ATTACH PARTITION cmms.activity_logs_p2030_01
FOR VALUES FROM ('2030-01-01 00:00:00+00') TO ('2030-02-01 00:00:00+00');
