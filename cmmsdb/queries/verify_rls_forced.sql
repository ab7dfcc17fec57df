-- verify_rls_forced.sql: tenant tables (schema cmms, not a partition, with an
-- organization_id column, or organizations itself) whose row-level security is not both
-- ENABLEd and FORCEd. Without FORCE the owner role reads every tenant's rows.
SELECT
    c.oid::regclass::text AS object,
    CASE
        WHEN NOT c.relrowsecurity THEN 'row-level security is not enabled'
        ELSE 'row-level security is enabled but not forced'
    END AS message
FROM pg_class AS c
WHERE c.relnamespace = %(schema)s::regnamespace
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND (c.relname = %(tenant_root)s OR EXISTS (
      SELECT FROM pg_attribute AS a
      WHERE a.attrelid = c.oid AND a.attname = %(tenant_key)s AND NOT a.attisdropped
  ))
  AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
ORDER BY 1
