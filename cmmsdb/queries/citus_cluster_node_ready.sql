-- citus_cluster_node_ready.sql: in database cmmsdb of a node, whether Citus is preloaded and
-- the extension created (then a start has nothing more to set up on it).
SELECT
    'citus' = ANY(string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ','))
    AS preloaded,
    EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') AS created
