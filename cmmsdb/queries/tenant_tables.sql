-- tenant_tables.sql: the tenant tables, by name: tables of schema %(schema)s (not
-- partitions) with a %(tenant_key)s column, and %(tenant_root)s, the tenant itself.
SELECT c.relname::text
FROM pg_catalog.pg_class AS c
WHERE c.relnamespace = %(schema)s::pg_catalog.regnamespace
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND (c.relname = %(tenant_root)s OR EXISTS (
      SELECT FROM pg_catalog.pg_attribute AS a
      WHERE a.attrelid = c.oid AND a.attname = %(tenant_key)s AND NOT a.attisdropped
  ))
ORDER BY 1
