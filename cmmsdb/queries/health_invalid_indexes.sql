-- health_invalid_indexes.sql: indexes left INVALID (an interrupted or failed CREATE INDEX
-- CONCURRENTLY or REINDEX CONCURRENTLY): not used by queries, still maintained on every
-- write, and a unique one enforces nothing. Outside the system schemas.
SELECT
    format('%%I.%%I', n.nspname, c.relname) AS index,
    i.indrelid::regclass::text AS table_name,
    i.indisunique AS is_unique,
    pg_relation_size(c.oid) AS bytes
FROM pg_index AS i
JOIN pg_class AS c ON c.oid = i.indexrelid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE NOT i.indisvalid
  AND n.nspname !~ '^pg_'
  AND n.nspname <> 'information_schema'
ORDER BY 1
