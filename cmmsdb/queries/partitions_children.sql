-- The partitions of one partitioned table: bounds as PostgreSQL prints them, whether it is
-- the default partition, and the planner's row estimate (-1: never vacuumed or analyzed).
-- Bounds are constants: deparsed without naming the relation (relid 0), which would open it
-- and so wait behind an exclusive lock on the table.
SELECT
    n.nspname || '.' || c.relname AS name,
    quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS quoted_name,
    c.relname AS relname,
    pg_get_expr(c.relpartbound, 0) AS bounds,
    coalesce(c.oid = pt.partdefid, FALSE) AS is_default,
    c.reltuples::bigint AS row_estimate
FROM pg_inherits AS i
INNER JOIN pg_class AS c ON i.inhrelid = c.oid
INNER JOIN pg_namespace AS n ON c.relnamespace = n.oid
LEFT JOIN pg_partitioned_table AS pt ON i.inhparent = pt.partrelid
WHERE i.inhparent = %(oid)s
ORDER BY c.oid = pt.partdefid, pg_get_expr(c.relpartbound, 0), c.relname
