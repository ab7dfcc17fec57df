-- citus_cluster_throwaway.sql: a node of a throwaway cluster (citus_cluster.start, for tests
-- and benchmarks): nothing waits for the disk, the data is thrown away. Not for the kept
-- cluster of `cmmsdb cluster start`, whose data must survive a crash of the machine.
ALTER SYSTEM SET fsync = off;
ALTER SYSTEM SET full_page_writes = off;
ALTER SYSTEM SET synchronous_commit = off
