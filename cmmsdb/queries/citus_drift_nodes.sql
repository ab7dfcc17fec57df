-- citus_drift_nodes.sql: the active primary nodes of a Citus coordinator's metadata, the
-- coordinator (group 0) first, so that a scratch database can be given the same nodes.
SELECT
    n.nodename,
    n.nodeport,
    n.groupid = 0 AS is_coordinator,
    n.shouldhaveshards
FROM pg_catalog.pg_dist_node AS n
WHERE n.noderole = 'primary' AND n.isactive
ORDER BY n.groupid, n.nodeid
