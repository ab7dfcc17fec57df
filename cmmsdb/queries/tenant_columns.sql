-- tenant_columns.sql: the columns of a table that an export carries and an import loads,
-- in order: every stored column but the generated ones (the server computes those again,
-- and COPY FROM refuses them).
SELECT a.attname::text
FROM pg_catalog.pg_attribute AS a
WHERE a.attrelid = (%(schema)s || '.' || %(table)s)::regclass
  AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
ORDER BY a.attnum
