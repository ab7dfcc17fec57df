-- transactional: false
-- The month leaves the audit trail without blocking writes to the other months.
-- cmmsdb: allow prefer-robust-stmts because DETACH has no IF EXISTS: a re-run fails loudly
ALTER TABLE cmms.activity_logs DETACH PARTITION cmms.activity_logs_p2030_01 CONCURRENTLY;
