-- citus_drift_drop.sql: drop scratch database {database} on one node of a Citus cluster,
-- whoever is still connected to it (Citus's own connections between the nodes included).
DROP DATABASE IF EXISTS {database} WITH (FORCE)
