-- Citus's DDL propagation for this session, %(value)s ('on' or 'off'): off while the main
-- folder's migrations build the schema on a coordinator before the citus module distributes it.
SELECT pg_catalog.set_config('citus.enable_ddl_propagation', %(value)s, FALSE)
