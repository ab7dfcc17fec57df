-- A month of the audit trail, loaded into a table of its own, joins the audit trail.
SET LOCAL ROLE cmms_owner;

ALTER TABLE cmms.activity_logs ATTACH PARTITION cmms.activity_logs_p2030_01
FOR VALUES FROM ('2030-01-01 00:00:00+00') TO ('2030-02-01 00:00:00+00');
