SET LOCAL ROLE cmms_owner;

REVOKE SELECT ON cmms.active_users FROM cmms_app, cmms_readonly;

REVOKE SELECT ON cmms.user_sessions FROM cmms_readonly;

REVOKE SELECT, INSERT, UPDATE, DELETE ON cmms.user_sessions FROM cmms_app;

DROP POLICY user_sessions_delete ON cmms.user_sessions;

DROP POLICY user_sessions_update ON cmms.user_sessions;

DROP POLICY user_sessions_insert ON cmms.user_sessions;

DROP POLICY user_sessions_select ON cmms.user_sessions;

ALTER TABLE cmms.user_sessions NO FORCE ROW LEVEL SECURITY;

ALTER TABLE cmms.user_sessions DISABLE ROW LEVEL SECURITY;

REVOKE SELECT ON cmms.users FROM cmms_readonly;

REVOKE SELECT, INSERT, UPDATE, DELETE ON cmms.users FROM cmms_app;

DROP POLICY users_delete ON cmms.users;

DROP POLICY users_update ON cmms.users;

DROP POLICY users_insert ON cmms.users;

DROP POLICY users_select ON cmms.users;

ALTER TABLE cmms.users NO FORCE ROW LEVEL SECURITY;

ALTER TABLE cmms.users DISABLE ROW LEVEL SECURITY;

REVOKE SELECT ON cmms.organizations FROM cmms_readonly;

REVOKE SELECT, INSERT, UPDATE ON cmms.organizations FROM cmms_app;

DROP POLICY organizations_update ON cmms.organizations;

DROP POLICY organizations_insert ON cmms.organizations;

DROP POLICY organizations_select ON cmms.organizations;

ALTER TABLE cmms.organizations NO FORCE ROW LEVEL SECURITY;

ALTER TABLE cmms.organizations DISABLE ROW LEVEL SECURITY;
