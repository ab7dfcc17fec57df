-- verify_definer_search_path.sql: SECURITY DEFINER functions in a cmms schema whose
-- search_path is not fixed to a list that starts with pg_catalog and ends with pg_temp
-- (SET search_path = pg_catalog, pg_temp; extension schemas may sit between). Without a
-- fixed path, a caller who can create objects in a schema on it runs code with the owner's
-- rights; an empty path still searches pg_temp FIRST for types and relations, so any login
-- that creates a temporary domain named uuid or jsonb does. The path elements are read
-- from proconfig ("search_path=pg_catalog, pg_temp", quoted names unquoted).
WITH definer AS (
    SELECT
        p.oid,
        (
            SELECT substr(o, length('search_path=') + 1)
            FROM unnest(p.proconfig) AS o
            WHERE o LIKE 'search\_path=%%'
            LIMIT 1
        ) AS path
    FROM pg_proc AS p
    JOIN pg_namespace AS n ON n.oid = p.pronamespace
    WHERE n.nspname IN (%(schema)s, %(archive_schema)s)
      AND p.prosecdef
),

parsed AS (
    SELECT
        d.oid,
        d.path,
        array(
            SELECT btrim(btrim(e), '"')
            FROM unnest(string_to_array(d.path, ',')) WITH ORDINALITY AS x (e, i)
            ORDER BY x.i
        ) AS elements
    FROM definer AS d
)

SELECT
    p.oid::regprocedure::text AS object,
    'SECURITY DEFINER without SET search_path = pg_catalog, pg_temp ('
    || CASE
        WHEN p.path IS NULL THEN 'no search_path set'
        ELSE 'search_path=' || p.path
    END
    || ')' AS message
FROM parsed AS p
WHERE NOT coalesce(
    p.elements[1] = 'pg_catalog'
    AND p.elements[cardinality(p.elements)] = 'pg_temp',
    FALSE
)
ORDER BY 1
