-- verify_archive_rls.sql: tables of schema %(archive_schema)s that hold tenant rows (a
-- column %(tenant_key)s): the archive tables of `cmmsdb archive` and the audit trail's
-- partitions detached by `cmmsdb partitions maintain --retain`. Each must have row-level
-- security enabled and forced, and grant nothing to PUBLIC and nothing but SELECT to the
-- application's roles %(app_roles)s (text[]). A detached partition is no longer read
-- through its parent, whose policies applied: without forced row-level security, a SELECT
-- granted on it later (or the owner) reads every tenant's rows.
WITH archived AS (
    SELECT c.oid, c.relacl, c.relrowsecurity, c.relforcerowsecurity
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE n.nspname = %(archive_schema)s
      AND c.relkind IN ('r', 'p')
      AND EXISTS (
          SELECT FROM pg_attribute AS a
          WHERE a.attrelid = c.oid AND a.attname = %(tenant_key)s AND NOT a.attisdropped
      )
)

SELECT
    a.oid::regclass::text AS object,
    CASE
        WHEN NOT a.relrowsecurity THEN 'archived tenant rows without row-level security'
        ELSE 'archived tenant rows with row-level security enabled but not forced'
    END || ': ALTER TABLE ... ENABLE and FORCE ROW LEVEL SECURITY' AS message
FROM archived AS a
WHERE NOT (a.relrowsecurity AND a.relforcerowsecurity)
UNION ALL
SELECT
    a.oid::regclass::text,
    'archived tenant rows grant ' || string_agg(DISTINCT x.privilege_type, ', ' ORDER BY x.privilege_type)
    || ' to ' || CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee)::text END
    || ': the application reads them (SELECT, under the tenant policy) and nobody else'
FROM archived AS a
CROSS JOIN LATERAL aclexplode(a.relacl) AS x
WHERE x.grantee = 0
   OR (pg_get_userbyid(x.grantee) = ANY (%(app_roles)s::text []) AND x.privilege_type <> 'SELECT')
GROUP BY a.oid, x.grantee
ORDER BY 1, 2
