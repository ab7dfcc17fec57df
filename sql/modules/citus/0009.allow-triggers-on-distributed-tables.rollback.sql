-- Triggers on distributed tables are refused again (Citus's default).
RESET ROLE;

DO $$
BEGIN
    EXECUTE pg_catalog.format(
        'ALTER DATABASE %I RESET citus.enable_unsafe_triggers', pg_catalog.current_database()
    );
END;
$$;
