-- citus_drift_worker.sql: add the worker %(host)s:%(port)s to a scratch database's metadata.
SELECT pg_catalog.citus_add_node(%(host)s, %(port)s)
