-- Drops pg_stat_statements if this module installed it (it is then in cmms_ext); one
-- installed elsewhere before is left alone.
RESET ROLE;

DO $$
BEGIN
    IF EXISTS (
        SELECT FROM pg_catalog.pg_extension
        WHERE extname = 'pg_stat_statements' AND extnamespace = 'cmms_ext'::regnamespace
    ) THEN
        DROP EXTENSION pg_stat_statements;
    END IF;
END;
$$;
