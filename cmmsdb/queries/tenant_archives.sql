-- tenant_archives.sql: the tables of %(archive_schema)s that hold tenant rows (a column
-- %(tenant_key)s), by quoted qualified name: the archive tables of `cmmsdb archive` (archived
-- work orders and what hangs off them, restorations) first, then the audit trail's
-- partitions detached by `cmmsdb partitions maintain --retain`. A tenant's rows there are
-- exported, imported, counted and deleted with it.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
FROM pg_catalog.pg_class AS c
INNER JOIN pg_catalog.pg_namespace AS n ON c.relnamespace = n.oid
WHERE n.nspname = %(archive_schema)s
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND EXISTS (
      SELECT FROM pg_catalog.pg_attribute AS a
      WHERE a.attrelid = c.oid AND a.attname = %(tenant_key)s AND NOT a.attisdropped
  )
ORDER BY c.relname ~ '^activity_logs_p[0-9]{4}_[0-9]{2}$', c.relname
