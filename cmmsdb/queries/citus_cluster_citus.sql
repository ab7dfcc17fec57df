-- citus_cluster_citus.sql: once Citus is loaded, on each node of a local cluster.
-- The nodes talk over 127.0.0.1 without TLS: libpq in a server run as the user cmmsdb would
-- otherwise look for a client certificate in the HOME of whoever started it (e.g. /root).
ALTER SYSTEM SET citus.node_conninfo = 'sslmode=disable';
SELECT pg_catalog.pg_reload_conf();
CREATE EXTENSION IF NOT EXISTS citus
