-- The one-column CHECK constraints of the tables of schema %(schema)s (not partitions), as
-- the server prints them: the seeder takes the values a `col IN (...)` check allows from
-- them (cmmsdb/seeding/schema.py), so that a value list is written once, in a migration.
SELECT c.relname::text, a.attname::text, pg_catalog.pg_get_constraintdef(k.oid)
FROM pg_catalog.pg_constraint AS k
INNER JOIN pg_catalog.pg_class AS c ON k.conrelid = c.oid
INNER JOIN pg_catalog.pg_attribute AS a ON c.oid = a.attrelid AND a.attnum = k.conkey[1]
WHERE
    k.contype = 'c'
    AND pg_catalog.cardinality(k.conkey) = 1
    AND c.relnamespace = %(schema)s::pg_catalog.regnamespace
    AND c.relkind IN ('r', 'p')
    AND NOT c.relispartition
ORDER BY 1, 2, k.conname
