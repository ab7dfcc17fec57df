-- Parts of a work order template: which stocked part, how many, to reserve for every work
-- order made from the template (issue 16, item 1); row-level security, grants, audit
-- trigger and soft-delete view (scaffolded by `cmmsdb new --template tenant-table`).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.work_order_template_parts (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    template_id uuid NOT NULL,
    part_id uuid NOT NULL,
    quantity numeric(12, 3) NOT NULL,
    notes text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT work_order_template_parts_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT work_order_template_parts_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT work_order_template_parts_template_fkey FOREIGN KEY (organization_id, template_id)
    REFERENCES cmms.work_order_templates (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT work_order_template_parts_part_fkey FOREIGN KEY (organization_id, part_id)
    REFERENCES cmms.parts_inventory (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT work_order_template_parts_quantity_check CHECK (quantity > 0)
);

CREATE UNIQUE INDEX work_order_template_parts_template_id_part_id_key
ON cmms.work_order_template_parts (organization_id, template_id, part_id)
WHERE deleted_at IS NULL;

-- Not partial, unlike the unique index: the cascades from a deleted template or part must
-- also find the soft-deleted rows.
CREATE INDEX work_order_template_parts_organization_id_template_id_idx
ON cmms.work_order_template_parts (organization_id, template_id);

CREATE INDEX work_order_template_parts_organization_id_part_id_idx
ON cmms.work_order_template_parts (organization_id, part_id);

CREATE TRIGGER work_order_template_parts_set_updated_at
BEFORE UPDATE ON cmms.work_order_template_parts
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.work_order_template_parts IS
'Parts a work order template needs: reserved for every work order made from it.';
COMMENT ON COLUMN cmms.work_order_template_parts.template_id IS
'The template; deleting it deletes its parts.';
COMMENT ON COLUMN cmms.work_order_template_parts.part_id IS
'The stocked part to reserve; unique among the template''s live parts.';
COMMENT ON COLUMN cmms.work_order_template_parts.quantity IS
'How many to reserve for each work order, in the part''s unit.';
COMMENT ON COLUMN cmms.work_order_template_parts.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.work_order_template_parts.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.work_order_template_parts.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.work_order_template_parts ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.work_order_template_parts FORCE ROW LEVEL SECURITY;

CREATE POLICY work_order_template_parts_select ON cmms.work_order_template_parts
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY work_order_template_parts_insert ON cmms.work_order_template_parts
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY work_order_template_parts_update ON cmms.work_order_template_parts
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY work_order_template_parts_delete ON cmms.work_order_template_parts
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.work_order_template_parts TO cmms_app;

GRANT SELECT ON cmms.work_order_template_parts TO cmms_readonly;

CREATE TRIGGER work_order_template_parts_audit_insert
AFTER INSERT ON cmms.work_order_template_parts
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION cmms.audit_row_change();

CREATE TRIGGER work_order_template_parts_audit_update
AFTER UPDATE ON cmms.work_order_template_parts
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION cmms.audit_row_change();

CREATE TRIGGER work_order_template_parts_audit_delete
AFTER DELETE ON cmms.work_order_template_parts
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_work_order_template_parts WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.work_order_template_parts
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_work_order_template_parts IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_work_order_template_parts FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_work_order_template_parts TO cmms_app, cmms_readonly;
