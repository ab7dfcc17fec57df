-- verify_search_path.sql: functions of schema %(schema)s (not of an extension, not named
-- in %(no_search_path)s) without SET search_path from pg_catalog to pg_temp. An empty or
-- missing path searches pg_temp first for types and relations: any login's temporary
-- object then stands in for what the function meant, in whatever role runs it.
SELECT
    p.oid::regprocedure::text AS object,
    coalesce(
        'search_path is ' || (
            SELECT substr(o, length('search_path=') + 1) FROM unnest(p.proconfig) AS o
            WHERE o LIKE 'search\_path=%%' LIMIT 1
        ) || ', not pg_catalog, ..., pg_temp',
        'no SET search_path = pg_catalog, pg_temp'
    ) AS message
FROM pg_proc AS p
WHERE p.pronamespace = %(schema)s::regnamespace
  AND NOT p.proname::text = ANY (%(no_search_path)s::text [])
  AND NOT EXISTS (
      SELECT FROM pg_depend AS d
      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  )
  AND NOT coalesce((
      SELECT o ~ '^search_path=(pg_catalog|"pg_catalog"), .*(pg_temp|"pg_temp")$'
      FROM unnest(p.proconfig) AS o
      WHERE o LIKE 'search\_path=%%'
      LIMIT 1
  ), FALSE)
ORDER BY 1
