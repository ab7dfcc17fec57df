-- Which of these relation names already exist in a schema: a partition about to be created
-- must not share its name with another table (CREATE TABLE IF NOT EXISTS would skip it).
SELECT c.relname
FROM pg_class AS c
INNER JOIN pg_namespace AS n ON c.relnamespace = n.oid
WHERE n.nspname = %(schema)s AND c.relname = any(%(names)s::text [])
