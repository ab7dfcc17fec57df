-- Where yoyo-migrations keeps its record of applied migrations: a table _yoyo_migration in
-- the first schema of yoyo's search_path (public, unless its URL said ?schema=...).
SELECT n.nspname
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relname = '_yoyo_migration' AND c.relkind IN ('r', 'p')
ORDER BY n.nspname
