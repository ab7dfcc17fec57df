-- citus_cluster_update_node.sql: a worker that restarted on another port (its kept port was
-- taken by another program).
SELECT citus_update_node(%(nodeid)s, '127.0.0.1', %(port)s)
