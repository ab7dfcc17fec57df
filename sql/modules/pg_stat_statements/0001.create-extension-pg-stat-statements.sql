-- pg_stat_statements, for the top statements of `cmmsdb health`: installed into cmms_ext
-- unless it is already installed (then it is used where it is). Applied by `cmmsdb migrate
-- --with pg_stat_statements`. It is not a trusted extension: installing it takes a
-- superuser. It records statements only where the server loads its library:
-- shared_preload_libraries = 'pg_stat_statements' and a restart (docs/health.md).
-- requires-extension: pg_stat_statements

-- As the login role, whatever ran before in this transaction (psql --single-transaction).
RESET ROLE;

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_stat_statements'
    ) THEN
        CREATE EXTENSION pg_stat_statements SCHEMA cmms_ext;
    END IF;
END;
$$;
