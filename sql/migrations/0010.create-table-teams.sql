-- Teams: groups of people (a shift, a trade, a site crew) that work orders can be assigned
-- to, with row-level security, grants, audit trigger and soft-delete view (scaffolded by
-- `cmmsdb new --template tenant-table`).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.teams (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL,
    description text,
    lead_user_id uuid,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT teams_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT teams_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT teams_lead_user_fkey FOREIGN KEY (organization_id, lead_user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE SET NULL (lead_user_id),
    CONSTRAINT teams_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200)
);

CREATE UNIQUE INDEX teams_organization_id_name_key
ON cmms.teams (organization_id, lower(name))
WHERE deleted_at IS NULL;

CREATE INDEX teams_organization_id_lead_user_id_idx
ON cmms.teams (organization_id, lead_user_id);

CREATE TRIGGER teams_set_updated_at
BEFORE UPDATE ON cmms.teams
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.teams IS
'Groups of people (a shift, a trade, a site crew) that work orders can be assigned to.';
COMMENT ON COLUMN cmms.teams.name IS
'Name of the team, unique (case-insensitively) among the live teams of an organization.';
COMMENT ON COLUMN cmms.teams.lead_user_id IS
'User who leads the team; cleared (only this column) when that user is deleted.';
COMMENT ON COLUMN cmms.teams.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.teams.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.teams.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.teams ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.teams FORCE ROW LEVEL SECURITY;

CREATE POLICY teams_select ON cmms.teams
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY teams_insert ON cmms.teams
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY teams_update ON cmms.teams
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY teams_delete ON cmms.teams
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.teams TO cmms_app;

GRANT SELECT ON cmms.teams TO cmms_readonly;

CREATE TRIGGER teams_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.teams
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_teams WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.teams
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_teams IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_teams FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_teams TO cmms_app, cmms_readonly;
