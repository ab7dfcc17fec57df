-- citus_cluster_shard_count.sql: the shards of each table distributed from now on
-- ({shard_count}: an integer literal, formatted by psycopg.sql; ALTER SYSTEM takes no parameter).
ALTER SYSTEM SET citus.shard_count = {shard_count};
SELECT pg_catalog.pg_reload_conf()
