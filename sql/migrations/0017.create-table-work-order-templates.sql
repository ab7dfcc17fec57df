-- Work order templates: reusable definitions of a job (what to do, how long it takes, who
-- does it), from which preventive maintenance schedules and users create work orders.
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.work_order_templates (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL,
    title text NOT NULL,
    description text,
    instructions text,
    priority text NOT NULL DEFAULT 'medium',
    work_order_type text NOT NULL DEFAULT 'preventive',
    estimated_duration_minutes integer,
    team_id uuid,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT work_order_templates_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT work_order_templates_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT work_order_templates_team_fkey FOREIGN KEY (organization_id, team_id)
    REFERENCES cmms.teams (organization_id, id) ON DELETE SET NULL (team_id),
    CONSTRAINT work_order_templates_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT work_order_templates_title_check CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    CONSTRAINT work_order_templates_priority_check CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    CONSTRAINT work_order_templates_work_order_type_check CHECK (
        work_order_type IN ('corrective', 'preventive', 'inspection')
    ),
    CONSTRAINT work_order_templates_estimated_duration_check CHECK (estimated_duration_minutes > 0)
);

CREATE UNIQUE INDEX work_order_templates_organization_id_name_key
ON cmms.work_order_templates (organization_id, lower(name))
WHERE deleted_at IS NULL;

CREATE INDEX work_order_templates_organization_id_team_id_idx
ON cmms.work_order_templates (organization_id, team_id);

CREATE TRIGGER work_order_templates_set_updated_at
BEFORE UPDATE ON cmms.work_order_templates
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.work_order_templates IS
'Reusable definitions of a job, from which PM schedules and users create work orders.';
COMMENT ON COLUMN cmms.work_order_templates.name IS
'Name of the template, unique (case-insensitively) among the organization''s live templates.';
COMMENT ON COLUMN cmms.work_order_templates.title IS
'Title given to the work orders made from it.';
COMMENT ON COLUMN cmms.work_order_templates.instructions IS
'Step-by-step instructions copied into the work orders made from it.';
COMMENT ON COLUMN cmms.work_order_templates.priority IS
'Priority of the work orders made from it: low, medium, high or urgent.';
COMMENT ON COLUMN cmms.work_order_templates.work_order_type IS
'Type of the work orders made from it: corrective, preventive or inspection.';
COMMENT ON COLUMN cmms.work_order_templates.estimated_duration_minutes IS
'Expected duration of the job, in minutes.';
COMMENT ON COLUMN cmms.work_order_templates.team_id IS
'Team the work orders are assigned to; cleared (only this column) when the team is deleted.';
COMMENT ON COLUMN cmms.work_order_templates.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.work_order_templates.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.work_order_templates.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.work_order_templates ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.work_order_templates FORCE ROW LEVEL SECURITY;

CREATE POLICY work_order_templates_select ON cmms.work_order_templates
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY work_order_templates_insert ON cmms.work_order_templates
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY work_order_templates_update ON cmms.work_order_templates
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY work_order_templates_delete ON cmms.work_order_templates
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.work_order_templates TO cmms_app;

GRANT SELECT ON cmms.work_order_templates TO cmms_readonly;

CREATE TRIGGER work_order_templates_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.work_order_templates
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_work_order_templates WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.work_order_templates
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_work_order_templates IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_work_order_templates FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_work_order_templates TO cmms_app, cmms_readonly;
