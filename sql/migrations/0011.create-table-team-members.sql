-- Team membership: which users belong to which team, with row-level security, grants,
-- audit trigger and soft-delete view (scaffolded by `cmmsdb new --template tenant-table`).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.team_members (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    team_id uuid NOT NULL,
    user_id uuid NOT NULL,
    role text NOT NULL DEFAULT 'member',
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT team_members_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT team_members_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT team_members_team_fkey FOREIGN KEY (organization_id, team_id)
    REFERENCES cmms.teams (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT team_members_user_fkey FOREIGN KEY (organization_id, user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT team_members_role_check CHECK (role IN ('member', 'supervisor'))
);

CREATE UNIQUE INDEX team_members_organization_id_team_id_user_id_key
ON cmms.team_members (organization_id, team_id, user_id)
WHERE deleted_at IS NULL;

CREATE INDEX team_members_organization_id_team_id_idx
ON cmms.team_members (organization_id, team_id);

CREATE INDEX team_members_organization_id_user_id_idx
ON cmms.team_members (organization_id, user_id);

CREATE TRIGGER team_members_set_updated_at
BEFORE UPDATE ON cmms.team_members
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.team_members IS
'Membership of users in teams: one live row per team and user.';
COMMENT ON COLUMN cmms.team_members.role IS
'member, or supervisor (may assign the team''s work).';
COMMENT ON COLUMN cmms.team_members.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.team_members.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.team_members.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.team_members ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.team_members FORCE ROW LEVEL SECURITY;

CREATE POLICY team_members_select ON cmms.team_members
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY team_members_insert ON cmms.team_members
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY team_members_update ON cmms.team_members
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY team_members_delete ON cmms.team_members
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.team_members TO cmms_app;

GRANT SELECT ON cmms.team_members TO cmms_readonly;

CREATE TRIGGER team_members_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.team_members
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_team_members WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.team_members
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_team_members IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_team_members FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_team_members TO cmms_app, cmms_readonly;
