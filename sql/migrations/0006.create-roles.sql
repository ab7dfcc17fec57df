-- The roles of the data layer, and ownership of the schema by cmms_owner.
--   cmms_owner     owns every object in cmms (NOLOGIN); migrations run as a login role that
--                  is a member of it and create objects after SET LOCAL ROLE cmms_owner.
--   cmms_app       the application: only the DML it needs, always subject to row-level security.
--   cmms_readonly  reporting and read replicas: SELECT only, subject to row-level security.
-- Roles belong to the cluster, not to one database: they are created only when missing, so
-- that every database of a cluster can be migrated, and the rollback leaves them in place.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'cmms_owner') THEN
        CREATE ROLE cmms_owner NOLOGIN NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'cmms_app') THEN
        CREATE ROLE cmms_app NOLOGIN NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'cmms_readonly') THEN
        CREATE ROLE cmms_readonly NOLOGIN NOBYPASSRLS;
    END IF;
    IF NOT pg_catalog.pg_has_role(current_user, 'cmms_owner', 'MEMBER') THEN
        EXECUTE pg_catalog.format('GRANT cmms_owner TO %I', current_user);
    END IF;
END
$$;

ALTER SCHEMA cmms OWNER TO cmms_owner;

ALTER FUNCTION cmms.set_updated_at() OWNER TO cmms_owner;

ALTER TABLE cmms.organizations OWNER TO cmms_owner;

ALTER TABLE cmms.users OWNER TO cmms_owner;

ALTER VIEW cmms.active_users OWNER TO cmms_owner;

ALTER TABLE cmms.user_sessions OWNER TO cmms_owner;

CREATE SCHEMA cmms_archive AUTHORIZATION cmms_owner;

COMMENT ON SCHEMA cmms_archive IS
'Partitions detached by retention (cmmsdb partitions maintain --retain), kept until a DBA drops them.';

GRANT USAGE ON SCHEMA cmms TO cmms_app, cmms_readonly;

REVOKE EXECUTE ON FUNCTION cmms.set_updated_at() FROM PUBLIC;

ALTER DEFAULT PRIVILEGES FOR ROLE cmms_owner IN SCHEMA cmms
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO cmms_app;

ALTER DEFAULT PRIVILEGES FOR ROLE cmms_owner IN SCHEMA cmms
GRANT SELECT ON TABLES TO cmms_readonly;

ALTER DEFAULT PRIVILEGES FOR ROLE cmms_owner IN SCHEMA cmms
GRANT USAGE, SELECT ON SEQUENCES TO cmms_app;

ALTER DEFAULT PRIVILEGES FOR ROLE cmms_owner IN SCHEMA cmms
GRANT SELECT ON SEQUENCES TO cmms_readonly;

ALTER DEFAULT PRIVILEGES FOR ROLE cmms_owner
REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

ALTER DEFAULT PRIVILEGES FOR ROLE cmms_owner IN SCHEMA cmms
GRANT EXECUTE ON FUNCTIONS TO cmms_app, cmms_readonly;
