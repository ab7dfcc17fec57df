-- citus_cluster_synced.sql: on the coordinator, whether every worker has the current
-- metadata (after a node's port changed, the maintenance daemon syncs it again within
-- seconds; until then Citus refuses other metadata changes).
SELECT coalesce(bool_and(metadatasynced), true) FROM pg_catalog.pg_dist_node
WHERE hasmetadata AND isactive AND groupid <> 0
