-- Plugins: the extensions an organization has installed, their version, whether they are
-- enabled and their settings, with row-level security, grants, audit trigger and
-- soft-delete view (scaffolded by `cmmsdb new --template tenant-table`).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.plugins (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL,
    version text NOT NULL,
    enabled boolean NOT NULL DEFAULT TRUE,
    config jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT plugins_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT plugins_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT plugins_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT plugins_version_check CHECK (length(btrim(version)) BETWEEN 1 AND 50),
    CONSTRAINT plugins_config_check CHECK (jsonb_typeof(config) = 'object')
);

CREATE UNIQUE INDEX plugins_organization_id_name_key
ON cmms.plugins (organization_id, name)
WHERE deleted_at IS NULL;

CREATE TRIGGER plugins_set_updated_at
BEFORE UPDATE ON cmms.plugins
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.plugins IS
'Extensions installed by an organization: one live row per plugin, with its version and settings.';
COMMENT ON COLUMN cmms.plugins.name IS
'Identifier of the plugin, unique among the live plugins of an organization.';
COMMENT ON COLUMN cmms.plugins.version IS
'Installed version of the plugin (as the plugin numbers it, e.g. 1.4.2).';
COMMENT ON COLUMN cmms.plugins.enabled IS
'Whether the plugin runs for the organization; a disabled plugin keeps its settings.';
COMMENT ON COLUMN cmms.plugins.config IS
'Settings of the plugin, a JSON object defined by the plugin. No secrets: readable by cmms_readonly '
'and copied into the audit trail unredacted.';
COMMENT ON COLUMN cmms.plugins.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.plugins.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.plugins.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.plugins ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.plugins FORCE ROW LEVEL SECURITY;

CREATE POLICY plugins_select ON cmms.plugins
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY plugins_insert ON cmms.plugins
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY plugins_update ON cmms.plugins
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY plugins_delete ON cmms.plugins
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.plugins TO cmms_app;

GRANT SELECT ON cmms.plugins TO cmms_readonly;

CREATE TRIGGER plugins_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.plugins
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_plugins WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.plugins
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_plugins IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_plugins FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_plugins TO cmms_app, cmms_readonly;
