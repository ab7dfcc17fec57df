-- citus_cluster_group_port.sql: on the coordinator, the node id and port it has for a
-- group (0: the coordinator; a worker's: the one it gave that worker). No row: not known.
SELECT nodeid, nodeport FROM pg_catalog.pg_dist_node WHERE groupid = %(groupid)s
