-- health_statements_extension.sql: where pg_stat_statements is installed in this database
-- (its schema, quoted; NULL when it is not), and whether the server preloads its library
-- (without shared_preload_libraries the view raises an error when read).
SELECT
    (
        SELECT quote_ident(n.nspname)
        FROM pg_extension AS e
        JOIN pg_namespace AS n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_stat_statements'
    ) AS schema,
    'pg_stat_statements' = ANY (
        string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')
    ) AS preloaded,
    EXISTS (
        SELECT FROM pg_available_extensions WHERE name = 'pg_stat_statements'
    ) AS available
