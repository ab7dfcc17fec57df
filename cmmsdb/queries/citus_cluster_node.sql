-- citus_cluster_node.sql: a node of a throwaway local Citus cluster (cmmsdb.citus_cluster):
-- Citus is loaded at start, and nothing waits for the disk (the data is thrown away).
ALTER SYSTEM SET shared_preload_libraries = 'citus';
ALTER SYSTEM SET fsync = off;
ALTER SYSTEM SET full_page_writes = off;
ALTER SYSTEM SET synchronous_commit = off;
ALTER SYSTEM SET max_connections = 200;
-- Moving shards online (citus_move_shard_placement's default mode) uses logical replication.
ALTER SYSTEM SET wal_level = logical
