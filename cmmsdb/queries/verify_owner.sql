-- verify_owner.sql: objects of schemas cmms and cmms_archive (and those schemas) not owned
-- by the owner role %(owner)s. A function owned by one of %(definer_owners)s (text[]) is
-- accepted when it is SECURITY DEFINER with a search_path that starts with pg_catalog and
-- ends with pg_temp (as verify_definer_search_path.sql requires): such a role exists to run
-- a few stored functions with its own, narrower rights. Objects of extensions are skipped.
WITH owned AS (
    SELECT
        n.nspname::text AS object, 'schema' AS kind, n.nspowner AS owner, FALSE AS definer_ok
    FROM pg_namespace AS n
    WHERE n.nspname IN (%(schema)s, %(archive_schema)s)
    UNION ALL
    SELECT
        c.oid::regclass::text,
        CASE c.relkind
            WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
            WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
            WHEN 'f' THEN 'foreign table' WHEN 'c' THEN 'type'
            ELSE 'relation'
        END,
        c.relowner,
        FALSE
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE n.nspname IN (%(schema)s, %(archive_schema)s)
      AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
    UNION ALL
    SELECT
        p.oid::regprocedure::text,
        'function',
        p.proowner,
        p.prosecdef AND coalesce((
            SELECT e[1] = 'pg_catalog' AND e[cardinality(e)] = 'pg_temp'
            FROM (
                SELECT array(
                    SELECT btrim(btrim(x.e), '"')
                    FROM unnest(string_to_array(substr(o, length('search_path=') + 1), ','))
                        WITH ORDINALITY AS x (e, i)
                    ORDER BY x.i
                ) AS e
                FROM unnest(p.proconfig) AS o
                WHERE o LIKE 'search\_path=%%'
                LIMIT 1
            ) AS path
        ), FALSE)
    FROM pg_proc AS p
    JOIN pg_namespace AS n ON n.oid = p.pronamespace
    WHERE n.nspname IN (%(schema)s, %(archive_schema)s)
      AND NOT EXISTS (
          SELECT FROM pg_depend AS d
          WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
      )
)

SELECT
    object,
    kind || ' is owned by ' || pg_get_userbyid(owner) || ', not ' || %(owner)s AS message
FROM owned
WHERE pg_get_userbyid(owner) <> %(owner)s
  AND NOT (definer_ok AND pg_get_userbyid(owner) = ANY (%(definer_owners)s::text []))
ORDER BY 1
