-- tenant_role.sql: who moves a tenant, and whether they may: reading every row of a tenant
-- takes a role that bypasses row-level security (superuser or BYPASSRLS); loading and
-- deleting with triggers skipped (session_replication_role) takes a superuser.
SELECT current_user::text, rolsuper, rolsuper OR rolbypassrls
FROM pg_catalog.pg_roles WHERE rolname = current_user
