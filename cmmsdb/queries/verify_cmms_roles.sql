-- verify_cmms_roles.sql: cmmsdb's roles %(roles)s (text[]; those that exist) that can log
-- in, are superusers, bypass row-level security, have a row_security setting of their own,
-- or can act as the owner %(owner)s or as a superuser or BYPASSRLS role; and a
-- row_security setting on the current database. Any of them switches tenant isolation off
-- for every connection of the application.
--
-- "Can act as" follows memberships that carry INHERIT or SET, chains included. PostgreSQL
-- 16 records both per grant (pg_auth_members.inherit_option, set_option); in 15 every
-- membership allows SET ROLE and inheritance follows the member's rolinherit. The columns
-- are read through to_jsonb so that one text runs on both. A membership with only the
-- ADMIN option (what 16 gives a non-superuser who creates a role) confers neither.
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

cmms_role AS (
    SELECT r.oid, r.rolname, r.rolcanlogin, r.rolsuper, r.rolbypassrls
    FROM pg_roles AS r
    WHERE r.rolname = ANY (%(roles)s::text [])
),

finding AS (
    SELECT c.rolname::text AS object, 'can log in (LOGIN)' AS message
    FROM cmms_role AS c WHERE c.rolcanlogin
    UNION ALL
    SELECT c.rolname, 'is a superuser' FROM cmms_role AS c WHERE c.rolsuper
    UNION ALL
    SELECT c.rolname, 'bypasses row-level security (BYPASSRLS)'
    FROM cmms_role AS c WHERE c.rolbypassrls
    UNION ALL
    SELECT DISTINCT
        c.rolname,
        'can act as ' || t.rolname || ' (a membership with INHERIT or SET)'
        || CASE
            WHEN t.rolsuper THEN ', a superuser'
            WHEN t.rolbypassrls THEN ', which bypasses row-level security'
            ELSE ', the owner of every tenant table'
        END
    FROM cmms_role AS c
    JOIN reach AS r ON r.member = c.oid
    JOIN pg_roles AS t ON t.oid = r.roleid
    WHERE t.rolname = %(owner)s OR t.rolsuper OR t.rolbypassrls
    UNION ALL
    SELECT c.rolname, 'has its own setting ' || s.setting || ' (ALTER ROLE ... SET)'
    FROM cmms_role AS c
    JOIN pg_db_role_setting AS d
        ON d.setrole = c.oid
       AND d.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
    CROSS JOIN unnest(d.setconfig) AS s (setting)
    WHERE s.setting LIKE 'row\_security=%%'
    UNION ALL
    SELECT
        'database ' || current_database(),
        'has the setting ' || s.setting || ' (ALTER DATABASE ... SET)'
    FROM pg_db_role_setting AS d
    CROSS JOIN unnest(d.setconfig) AS s (setting)
    WHERE d.setrole = 0
      AND d.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND s.setting LIKE 'row\_security=%%'
)

SELECT object, message FROM finding ORDER BY 1, 2
