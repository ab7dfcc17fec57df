-- The columns of every table of schema %(schema)s (not partitions) that COPY can write, in
-- order: name, type OID (for binary COPY), type name (for the generic filler) and whether
-- a row must give it (NOT NULL, no default, not identity). Generated columns are left out:
-- the server computes them and COPY FROM refuses them.
SELECT
    c.relname::text,
    a.attname::text,
    a.atttypid::integer,
    pg_catalog.format_type(a.atttypid, a.atttypmod),
    a.attnotnull AND NOT a.atthasdef AND a.attidentity = ''
FROM pg_catalog.pg_class AS c
INNER JOIN pg_catalog.pg_attribute AS a
    ON c.oid = a.attrelid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
WHERE
    c.relnamespace = %(schema)s::pg_catalog.regnamespace
    AND c.relkind IN ('r', 'p')
    AND NOT c.relispartition
ORDER BY c.relname, a.attnum
