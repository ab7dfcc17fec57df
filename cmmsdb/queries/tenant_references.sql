-- tenant_references.sql: which table of schema %(schema)s references which (child, parent),
-- from the foreign keys, for the load order (parents first) and the delete order (children
-- first). A partition's constraints are its parent's, so only top-level tables count.
SELECT DISTINCT c.conrelid::regclass::text, c.confrelid::regclass::text
FROM pg_catalog.pg_constraint AS c
INNER JOIN pg_catalog.pg_class AS child ON child.oid = c.conrelid
WHERE c.contype = 'f'
  AND child.relnamespace = %(schema)s::regnamespace
  AND NOT child.relispartition
  AND c.conrelid <> c.confrelid
ORDER BY 1, 2
