-- citus_cluster_local_group.sql: on a worker, the group the coordinator gave it when it
-- added it (0: never added).
SELECT groupid FROM pg_catalog.pg_dist_local_group
