-- health_app_logins.sql: the login roles that are members of cmms_app (the application's
-- logins, subject to row-level security), with the settings they get in this database
-- (ALTER ROLE ... [IN DATABASE ...] SET, the database's own ALTER DATABASE ... SET under
-- them), the most specific first: settings on cmms_app itself do not apply to its members.
SELECT
    r.rolname AS login,
    coalesce(
        (
            SELECT array_agg(cfg ORDER BY s.setrole = 0, s.setdatabase = 0)
            FROM pg_db_role_setting AS s
            CROSS JOIN LATERAL unnest(s.setconfig) AS cfg
            WHERE (s.setrole = r.oid OR s.setrole = 0)
              AND s.setdatabase IN (
                  0, (SELECT d.oid FROM pg_database AS d WHERE d.datname = current_database())
              )
              AND NOT (s.setrole = 0 AND s.setdatabase = 0)
        ),
        '{}'
    ) AS settings
FROM pg_roles AS r
WHERE r.rolcanlogin
  AND EXISTS (SELECT FROM pg_roles AS g WHERE g.rolname = 'cmms_app')
  AND pg_has_role(r.oid, 'cmms_app', 'MEMBER')
  AND NOT r.rolsuper
ORDER BY 1
