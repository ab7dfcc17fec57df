-- citus_cluster_node.sql: a node of a local Citus cluster (cmmsdb.citus_cluster), once, at
-- its first start: Citus is loaded at start.
ALTER SYSTEM SET shared_preload_libraries = 'citus';
ALTER SYSTEM SET max_connections = 200;
-- Moving shards online (citus_move_shard_placement's default mode) uses logical replication.
ALTER SYSTEM SET wal_level = logical
