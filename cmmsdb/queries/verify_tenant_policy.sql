-- verify_tenant_policy.sql: the policies of tenant tables (%(tenant_tables)s, text[]:
-- tenant_tables.sql's; %(tenant_root)s's key is its own id) compare
-- the key with (SELECT %(tenant_context)s): USING for every command but INSERT, WITH CHECK
-- for INSERT (and UPDATE, when given). The subquery is evaluated once per statement, and
-- no context means no rows. Each tenant table has policies for SELECT and INSERT (the
-- audit trail's INSERT policy is its definer owner's), and none for PUBLIC. Policies only
-- of definer owners (%(definer_owners)s), and policies that let every row through, are
-- left to the open-policy rule. Restrictive policies are ANDed with these and can only take
-- rows away (a team's notifications from non-members): they are not compared, and do not
-- count as the SELECT or INSERT policy a table needs. %(context_inline)s (boolean): on a
-- Citus coordinator, where a policy of a distributed table may hold no subquery, the key is
-- compared with %(tenant_context)s itself (sql/modules/citus/0002). A policy whose
-- expression is that comparison ANDed with more conditions only narrows it, and passes: Citus
-- loses AS RESTRICTIVE on the shards, so the citus module folds the restrictive policies into
-- the tenant ones (sql/modules/citus/0014).
WITH tenant AS (
    SELECT
        c.oid,
        CASE WHEN c.relname = %(tenant_root)s THEN 'id' ELSE %(tenant_key)s END AS key_column
    FROM pg_class AS c
    WHERE c.relnamespace = %(schema)s::regnamespace
      AND c.relname = ANY (%(tenant_tables)s::text [])
),

policy AS (
    SELECT
        t.oid AS table_oid,
        p.polname,
        p.polcmd,
        p.polroles,
        p.polpermissive,
        CASE
            WHEN %(context_inline)s THEN '(' || quote_ident(t.key_column) || ' = ' || %(tenant_context)s || ')'
            ELSE
                '(' || quote_ident(t.key_column) || ' = ( SELECT ' || %(tenant_context)s || ' AS '
                || split_part(split_part(%(tenant_context)s, '.', 2), '(', 1) || '))'
        END AS wanted,
        pg_get_expr(p.polqual, p.polrelid) AS qual,
        pg_get_expr(p.polwithcheck, p.polrelid) AS with_check,
        p.polroles <@ array(
            SELECT r.oid FROM pg_roles AS r WHERE r.rolname = ANY (%(definer_owners)s::text [])
        ) AS definers_only
    FROM tenant AS t
    INNER JOIN pg_policy AS p ON p.polrelid = t.oid
),

checked AS (
    SELECT
        p.*,
        p.qual IS NOT NULL AND (p.qual = p.wanted OR starts_with(p.qual, '(' || p.wanted || ' AND ')) AS qual_ok,
        p.with_check IS NOT NULL
        AND (p.with_check = p.wanted OR starts_with(p.with_check, '(' || p.wanted || ' AND ')) AS with_check_ok
    FROM policy AS p
)

SELECT
    t.oid::regclass::text AS object,
    'no policy for ' || cmd.name || ': the application can ' || lower(cmd.name) || ' nothing'
FROM tenant AS t
CROSS JOIN (VALUES ('r', 'SELECT'), ('a', 'INSERT')) AS cmd (code, name)
WHERE NOT EXISTS (
    SELECT FROM policy AS p
    WHERE p.table_oid = t.oid AND p.polcmd IN (cmd.code, '*') AND p.polpermissive
)
UNION ALL
SELECT
    p.table_oid::regclass::text || '.' || quote_ident(p.polname),
    CASE
        WHEN 0::oid = ANY (p.polroles) THEN 'applies to PUBLIC: name the roles'
        WHEN p.polcmd <> 'a' AND NOT p.qual_ok
            THEN 'USING ' || coalesce(p.qual, 'nothing') || ', not ' || p.wanted
        ELSE 'WITH CHECK ' || coalesce(p.with_check, 'nothing') || ', not ' || p.wanted
    END
FROM checked AS p
WHERE NOT p.definers_only
  AND p.polpermissive
  AND 'true' NOT IN (coalesce(p.qual, ''), coalesce(p.with_check, ''))
  AND (
      0::oid = ANY (p.polroles)
      OR (p.polcmd <> 'a' AND NOT p.qual_ok)
      OR (p.polcmd = 'a' AND NOT p.with_check_ok)
      OR (p.polcmd IN ('w', '*') AND NOT p.with_check_ok AND p.with_check IS NOT NULL)
  )
ORDER BY 1, 2
