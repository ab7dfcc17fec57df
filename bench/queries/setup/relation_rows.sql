-- Rows of every table, partitioned table and partition outside the system schemas
-- (planner estimates as of the last ANALYZE): is a sequential scan of a large table?
SELECT
    c.relname,
    c.reltuples::bigint AS row_estimate
FROM pg_catalog.pg_class AS c
INNER JOIN pg_catalog.pg_namespace AS n ON c.relnamespace = n.oid
WHERE
    c.relkind IN ('r', 'm', 'p')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\_%'
