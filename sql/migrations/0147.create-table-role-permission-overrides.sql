-- An organization's changes to the default permissions of a role (issue 16, item 2): a
-- row grants (granted) or revokes (not granted) one permission of cmms.permissions for one
-- role in one organization, instead of the permission's default_roles. Row-level security,
-- grants, audit trigger and soft-delete view (scaffolded by `cmmsdb new --template
-- tenant-table`); written through cmms.set_role_permission (0148), whose trigger also
-- guards direct writes with the permission permission.manage.
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.role_permission_overrides (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    role text NOT NULL,
    permission text NOT NULL,
    granted boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT role_permission_overrides_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT role_permission_overrides_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT role_permission_overrides_role_check CHECK (
        role IN ('admin', 'manager', 'technician', 'requester', 'viewer')
    )
);

CREATE UNIQUE INDEX role_permission_overrides_organization_id_role_permission_key
ON cmms.role_permission_overrides (organization_id, role, permission)
WHERE deleted_at IS NULL;

CREATE TRIGGER role_permission_overrides_set_updated_at
BEFORE UPDATE ON cmms.role_permission_overrides
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.role_permission_overrides IS
'An organization''s grant or revocation of one permission for one role, instead of the default.';
COMMENT ON COLUMN cmms.role_permission_overrides.role IS
'The role (cmms.users.role): admin, manager, technician, requester or viewer.';
COMMENT ON COLUMN cmms.role_permission_overrides.permission IS
'The permission (a name of the view cmms.permissions, checked by the trigger of 0148); one live row per '
'organization, role and permission.';
COMMENT ON COLUMN cmms.role_permission_overrides.granted IS
'True: the role holds the permission in this organization; false: it does not, whatever the default.';
COMMENT ON COLUMN cmms.role_permission_overrides.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.role_permission_overrides.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.role_permission_overrides.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.role_permission_overrides ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.role_permission_overrides FORCE ROW LEVEL SECURITY;

CREATE POLICY role_permission_overrides_select ON cmms.role_permission_overrides
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY role_permission_overrides_insert ON cmms.role_permission_overrides
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY role_permission_overrides_update ON cmms.role_permission_overrides
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY role_permission_overrides_delete ON cmms.role_permission_overrides
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.role_permission_overrides TO cmms_app;

GRANT SELECT ON cmms.role_permission_overrides TO cmms_readonly;

CREATE TRIGGER role_permission_overrides_audit_insert
AFTER INSERT ON cmms.role_permission_overrides
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION cmms.audit_row_change();

CREATE TRIGGER role_permission_overrides_audit_update
AFTER UPDATE ON cmms.role_permission_overrides
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION cmms.audit_row_change();

CREATE TRIGGER role_permission_overrides_audit_delete
AFTER DELETE ON cmms.role_permission_overrides
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_role_permission_overrides WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.role_permission_overrides
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_role_permission_overrides IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_role_permission_overrides FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_role_permission_overrides TO cmms_app, cmms_readonly;
