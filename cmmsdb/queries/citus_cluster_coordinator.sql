-- citus_cluster_coordinator.sql: the coordinator's own address in its metadata (added, or
-- updated when its port changed).
SELECT citus_set_coordinator_host('127.0.0.1', %(port)s)
