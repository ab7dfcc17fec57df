-- verify_open_policy.sql: policies that let every row through (USING (true) or WITH CHECK
-- (true), permissive) on a table of a cmms schema, for a role that is not one of the
-- definer owners %(definer_owners)s (text[]) or for PUBLIC; and every role that can act as
-- a role with such a policy. A definer owner reads every row so that its SECURITY DEFINER
-- functions, which filter by tenant themselves, can use their indexes: a role that can
-- become it (a membership with INHERIT or SET, chains included) reads every tenant's rows.
--
-- Memberships are read as in verify_cmms_roles.sql (PostgreSQL 15 and 16+ alike); one
-- with only the ADMIN option confers nothing. Superusers are not listed: they bypass
-- row-level security anyway; nor are definer owners (cmms_archiver is a member of cmms_app):
-- they may read every row themselves.
WITH RECURSIVE
edge AS (
    SELECT
        m.member,
        m.roleid,
        coalesce((to_jsonb(m) ->> 'inherit_option')::boolean, r.rolinherit)
        OR coalesce((to_jsonb(m) ->> 'set_option')::boolean, TRUE) AS confers
    FROM pg_auth_members AS m
    JOIN pg_roles AS r ON r.oid = m.member
),

reach (member, roleid, path) AS (
    SELECT e.member, e.roleid, ARRAY[e.member, e.roleid]
    FROM edge AS e
    WHERE e.confers
    UNION ALL
    SELECT r.member, e.roleid, r.path || e.roleid
    FROM reach AS r
    JOIN edge AS e ON e.member = r.roleid
    WHERE e.confers AND NOT e.roleid = ANY (r.path)
),

open_policy AS (
    SELECT
        p.polrelid::regclass::text || '.' || quote_ident(p.polname) AS policy,
        CASE
            WHEN pg_get_expr(p.polqual, p.polrelid) = 'true' THEN 'USING (true)'
            ELSE 'WITH CHECK (true)'
        END AS clause,
        g.role
    FROM pg_policy AS p
    JOIN pg_class AS c ON c.oid = p.polrelid
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    CROSS JOIN unnest(p.polroles) AS g (role)
    WHERE n.nspname IN (%(schema)s, %(archive_schema)s)
      AND p.polpermissive
      AND (
          pg_get_expr(p.polqual, p.polrelid) = 'true'
          OR pg_get_expr(p.polwithcheck, p.polrelid) = 'true'
      )
),

finding AS (
    SELECT DISTINCT
        o.policy AS object,
        o.clause || ' for '
        || CASE WHEN o.role = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(o.role)::text END
        || ': only a definer owner ('
        || array_to_string(%(definer_owners)s::text [], ', ')
        || ') may have a policy that lets every row through' AS message
    FROM open_policy AS o
    WHERE o.role = 0 OR NOT pg_get_userbyid(o.role) = ANY (%(definer_owners)s::text [])
    UNION ALL
    SELECT DISTINCT
        m.rolname::text,
        'can act as ' || pg_get_userbyid(r.roleid)
        || ' (a membership with INHERIT or SET), which has a policy that lets every row through ('
        || o.policy || ')'
    FROM reach AS r
    JOIN pg_roles AS m ON m.oid = r.member
    JOIN (
        SELECT role, min(policy) AS policy FROM open_policy WHERE role <> 0 GROUP BY role
    ) AS o ON o.role = r.roleid
    WHERE NOT m.rolsuper AND NOT m.rolname = ANY (%(definer_owners)s::text [])
)

SELECT object, message FROM finding ORDER BY 1, 2
