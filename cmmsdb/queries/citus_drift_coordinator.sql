-- citus_drift_coordinator.sql: register the coordinator %(host)s:%(port)s in a scratch
-- database's metadata, as the coordinator it was copied from is registered.
SELECT pg_catalog.citus_set_coordinator_host(%(host)s, %(port)s)
