-- The tables DROP SCHEMA ... CASCADE would drop with their rows: every table of the schema
-- (partitions are counted with their partitioned table).
SELECT format('%%I.%%I', n.nspname, c.relname)
FROM pg_catalog.pg_class AS c
INNER JOIN pg_catalog.pg_namespace AS n ON c.relnamespace = n.oid
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname
