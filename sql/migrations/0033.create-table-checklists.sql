-- Checklists: lists of steps to tick off, belonging either to a work order (filled in by
-- the technician) or to a work order template (copied into the work orders made from it),
-- with row-level security, grants, audit trigger and soft-delete view (scaffolded by
-- `cmmsdb new --template tenant-table`).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.checklists (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    work_order_id uuid,
    template_id uuid,
    name text NOT NULL,
    description text,
    requires_signature boolean NOT NULL DEFAULT FALSE,
    completed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT checklists_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT checklists_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT checklists_work_order_fkey FOREIGN KEY (organization_id, work_order_id)
    REFERENCES cmms.work_orders (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT checklists_template_fkey FOREIGN KEY (organization_id, template_id)
    REFERENCES cmms.work_order_templates (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT checklists_owner_check CHECK (num_nonnulls(work_order_id, template_id) = 1),
    CONSTRAINT checklists_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    -- Only a work order's checklist is filled in; a template's is a blueprint.
    CONSTRAINT checklists_completed_check CHECK (completed_at IS NULL OR work_order_id IS NOT NULL)
);

CREATE INDEX checklists_organization_id_work_order_id_idx
ON cmms.checklists (organization_id, work_order_id);

CREATE INDEX checklists_organization_id_template_id_idx
ON cmms.checklists (organization_id, template_id);

CREATE TRIGGER checklists_set_updated_at
BEFORE UPDATE ON cmms.checklists
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.checklists IS
'Lists of steps to tick off; each belongs to exactly one work order or one work order template.';
COMMENT ON COLUMN cmms.checklists.work_order_id IS
'The work order whose checklist this is (exactly one of work_order_id, template_id is set); '
'deleting the work order deletes it.';
COMMENT ON COLUMN cmms.checklists.template_id IS
'The work order template whose checklist this is, copied into the work orders made from it '
'(exactly one of work_order_id, template_id is set); deleting the template deletes it.';
COMMENT ON COLUMN cmms.checklists.name IS
'Name of the checklist (e.g. Lockout/tagout, Monthly pump inspection).';
COMMENT ON COLUMN cmms.checklists.requires_signature IS
'Whether completing the checklist needs a signature (rows of checklist_signatures).';
COMMENT ON COLUMN cmms.checklists.completed_at IS
'When the checklist was completed; only a work order''s checklist is completed.';
COMMENT ON COLUMN cmms.checklists.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.checklists.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.checklists.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.checklists ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.checklists FORCE ROW LEVEL SECURITY;

CREATE POLICY checklists_select ON cmms.checklists
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY checklists_insert ON cmms.checklists
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY checklists_update ON cmms.checklists
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY checklists_delete ON cmms.checklists
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.checklists TO cmms_app;

GRANT SELECT ON cmms.checklists TO cmms_readonly;

CREATE TRIGGER checklists_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.checklists
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_checklists WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.checklists
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_checklists IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_checklists FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_checklists TO cmms_app, cmms_readonly;
