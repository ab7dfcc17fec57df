-- A table that a rollback's DROP TABLE or ALTER TABLE ... DROP COLUMN names, if it exists,
-- resolved as the rollback would (through the search_path when unqualified): its
-- schema-qualified, quoted name.
SELECT format('%%I.%%I', n.nspname, c.relname)
FROM pg_catalog.pg_class AS c
INNER JOIN pg_catalog.pg_namespace AS n ON c.relnamespace = n.oid
WHERE c.oid = to_regclass(
    CASE
        WHEN %(schema)s::text IS NULL THEN quote_ident(%(name)s::text)
        ELSE quote_ident(%(schema)s::text) || '.' || quote_ident(%(name)s::text)
    END
)
AND c.relkind IN ('r', 'p')
