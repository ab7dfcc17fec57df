-- citus_cluster_add_node.sql: a worker into the coordinator's metadata.
SELECT citus_add_node('127.0.0.1', %(port)s)
