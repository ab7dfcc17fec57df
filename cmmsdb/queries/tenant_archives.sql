-- tenant_archives.sql: the audit trail's partitions detached into %(archive_schema)s by
-- `cmmsdb partitions maintain --retain`: a tenant's records there are counted and deleted
-- with it.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
FROM pg_catalog.pg_class AS c
INNER JOIN pg_catalog.pg_namespace AS n ON c.relnamespace = n.oid
WHERE n.nspname = %(archive_schema)s
  AND c.relkind = 'r'
  AND c.relname ~ '^activity_logs_p[0-9]{4}_[0-9]{2}$'
ORDER BY c.relname
