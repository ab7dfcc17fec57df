-- pytest_tenant_tables.sql: the tenant tables whose rows have a uuid id (partitioned
-- parents, not their partitions): the ids of one organization are gathered from them.
SELECT c.relname::text
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = 'cmms' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND EXISTS (
      SELECT FROM pg_catalog.pg_attribute AS a
      WHERE a.attrelid = c.oid AND a.attname = 'organization_id' AND NOT a.attisdropped
  )
  AND EXISTS (
      SELECT FROM pg_catalog.pg_attribute AS a
      WHERE a.attrelid = c.oid AND a.attname = 'id' AND NOT a.attisdropped
        AND a.atttypid = 'pg_catalog.uuid'::pg_catalog.regtype
  )
ORDER BY c.relname
