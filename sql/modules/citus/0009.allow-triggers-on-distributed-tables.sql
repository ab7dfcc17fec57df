-- Partitions made later (`cmmsdb partitions maintain`: a month of activity_logs, a fresh
-- default partition with its TRUNCATE trigger) and later migrations (a table with its
-- audit and updated_at triggers) create triggers on distributed tables, which Citus refuses
-- unless citus.enable_unsafe_triggers is on. The design of 0003-0007 makes them safe: a
-- trigger writes only co-located rows of the same tenant, on the same worker. So it is on
-- for every session of this database.
-- requires-extension: citus

RESET ROLE;

DO $$
BEGIN
    EXECUTE pg_catalog.format(
        'ALTER DATABASE %I SET citus.enable_unsafe_triggers = on', pg_catalog.current_database()
    );
END;
$$;
