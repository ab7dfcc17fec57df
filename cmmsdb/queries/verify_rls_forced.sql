-- verify_rls_forced.sql: tenant tables (%(tenant_tables)s, text[]: tenant_tables.sql's)
-- whose row-level security is not both ENABLEd and FORCEd. Without FORCE the owner role reads every tenant's rows.
SELECT
    c.oid::regclass::text AS object,
    CASE
        WHEN NOT c.relrowsecurity THEN 'row-level security is not enabled'
        ELSE 'row-level security is enabled but not forced'
    END AS message
FROM pg_class AS c
WHERE c.relnamespace = %(schema)s::regnamespace
  AND c.relname = ANY (%(tenant_tables)s::text [])
  AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
ORDER BY 1
