-- verify_audit_trigger.sql: tenant tables (%(tenant_tables)s, text[]: tenant_tables.sql's)
-- without a trigger that calls
-- cmms.audit_row_change(), except those named in %(not_audited)s (text[], table names):
-- their changes would leave no trace in the audit trail.
SELECT
    c.oid::regclass::text AS object,
    'no audit trigger (a trigger that calls cmms.audit_row_change())' AS message
FROM pg_class AS c
WHERE c.relnamespace = %(schema)s::regnamespace
  AND c.relname = ANY (%(tenant_tables)s::text [])
  AND NOT c.relname::text = ANY (%(not_audited)s::text [])
  AND NOT EXISTS (
      SELECT FROM pg_trigger AS t
      JOIN pg_proc AS p ON p.oid = t.tgfoid
      WHERE t.tgrelid = c.oid
        AND NOT t.tgisinternal
        AND t.tgenabled <> 'D'
        AND p.pronamespace = %(schema)s::regnamespace
        AND p.proname = 'audit_row_change'
  )
ORDER BY 1
