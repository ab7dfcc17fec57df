-- pytest_login_drop.sql: the end of a test session: its login's backends, then the role
-- ({name}: the role's name as a literal, {role}: as an identifier).
SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity
WHERE usename = {name};
DROP ROLE IF EXISTS {role}
