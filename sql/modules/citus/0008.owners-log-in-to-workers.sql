-- Citus runs a query on a worker over a connection it opens as the current role. Inside a
-- SECURITY DEFINER function (search as cmms_search, the audit trail as cmms_audit) and in
-- migrations (SET LOCAL ROLE cmms_owner) the current role is one that cannot log in, and
-- every such query fails ("role ... is not permitted to log in"). On the cluster these three
-- roles therefore log in, with no password: decide in pg_hba.conf of every node who may
-- authenticate as them, and allow it only from the cluster's own nodes (docs/scale-out.md;
-- a password in pg_dist_authinfo, or a client certificate, for the connections between
-- nodes). verify's cmms-roles rule accepts their LOGIN on a Citus coordinator, and only theirs.
-- Roles belong to the whole PostgreSQL cluster: the rollback makes them NOLOGIN again.
-- requires-extension: citus

RESET ROLE;

ALTER ROLE cmms_owner LOGIN;

ALTER ROLE cmms_search LOGIN;

ALTER ROLE cmms_audit LOGIN;
