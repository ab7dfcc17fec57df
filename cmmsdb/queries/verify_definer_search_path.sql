-- verify_definer_search_path.sql: SECURITY DEFINER functions in a cmms schema that do not
-- fix their search path with SET search_path = ''. Without it, a caller who can create
-- objects in a schema on the path runs code with the owner's rights.
SELECT
    p.oid::regprocedure::text AS object,
    'SECURITY DEFINER without SET search_path = '''' ('
    || coalesce(
        (SELECT o FROM unnest(p.proconfig) AS o WHERE o LIKE 'search\_path=%' LIMIT 1),
        'no search_path set'
    )
    || ')' AS message
FROM pg_proc AS p
JOIN pg_namespace AS n ON n.oid = p.pronamespace
WHERE n.nspname IN ('cmms', 'cmms_archive')
  AND p.prosecdef
  AND NOT coalesce('search_path=""' = ANY (p.proconfig), FALSE)
ORDER BY 1
