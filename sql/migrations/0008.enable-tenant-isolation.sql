-- Tenant isolation of the tables that exist so far (rendered from
-- templates/rls/tenant_policies.sql.j2): row-level security enabled and forced, one policy
-- per command for the roles it is for, and the grants. A tenant sees and writes only its
-- own rows, and only its own organization row; the application cannot delete
-- organizations (closing a tenant is a DBA's job).
SET LOCAL ROLE cmms_owner;

ALTER TABLE cmms.organizations ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.organizations FORCE ROW LEVEL SECURITY;

CREATE POLICY organizations_select ON cmms.organizations
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (id = (SELECT cmms.current_org_id()));

CREATE POLICY organizations_insert ON cmms.organizations
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (id = (SELECT cmms.current_org_id()));

CREATE POLICY organizations_update ON cmms.organizations
FOR UPDATE TO cmms_owner, cmms_app
USING (id = (SELECT cmms.current_org_id()))
WITH CHECK (id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE ON cmms.organizations TO cmms_app;

GRANT SELECT ON cmms.organizations TO cmms_readonly;

ALTER TABLE cmms.users ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.users FORCE ROW LEVEL SECURITY;

CREATE POLICY users_select ON cmms.users
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY users_insert ON cmms.users
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY users_update ON cmms.users
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY users_delete ON cmms.users
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.users TO cmms_app;

GRANT SELECT ON cmms.users TO cmms_readonly;

ALTER TABLE cmms.user_sessions ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.user_sessions FORCE ROW LEVEL SECURITY;

CREATE POLICY user_sessions_select ON cmms.user_sessions
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY user_sessions_insert ON cmms.user_sessions
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY user_sessions_update ON cmms.user_sessions
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY user_sessions_delete ON cmms.user_sessions
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.user_sessions TO cmms_app;

GRANT SELECT ON cmms.user_sessions TO cmms_readonly;

-- The soft-delete view runs with the caller's rights (security_invoker), so the policies
-- of cmms.users apply through it.
GRANT SELECT ON cmms.active_users TO cmms_app, cmms_readonly;
