-- Is index %(name)s (in schema %(schema)s, or on the search path) left INVALID by an
-- interrupted CREATE INDEX CONCURRENTLY?
SELECT format('%%I.%%I', n.nspname, c.relname)
FROM pg_index AS i
JOIN pg_class AS c ON c.oid = i.indexrelid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE NOT i.indisvalid
  AND c.relname = %(name)s
  AND n.nspname = coalesce(%(schema)s, n.nspname)
  AND (%(schema)s IS NOT NULL OR n.oid = ANY (current_schemas(false)::regnamespace[]))
