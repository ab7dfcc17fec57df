-- citus_drift_node_shards.sql: whether node %(host)s:%(port)s holds shards (%(shards)s),
-- copied from the node's entry in the metadata the scratch database was copied from.
SELECT pg_catalog.citus_set_node_property(%(host)s, %(port)s, 'shouldhaveshards', %(shards)s)
