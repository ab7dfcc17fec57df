-- Parts used on work orders: which part, how many, at what cost, for the cost of the work
-- and the stock ledger (each use is also an issue in part_transactions).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.work_order_parts_used (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    work_order_id uuid NOT NULL,
    part_id uuid NOT NULL,
    quantity numeric(12, 3) NOT NULL,
    unit_cost numeric(12, 2) NOT NULL DEFAULT 0,
    total_cost numeric(14, 2) GENERATED ALWAYS AS (round(quantity * unit_cost, 2)) STORED,
    used_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    used_by_user_id uuid,
    notes text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT work_order_parts_used_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT work_order_parts_used_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT work_order_parts_used_work_order_fkey FOREIGN KEY (organization_id, work_order_id)
    REFERENCES cmms.work_orders (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT work_order_parts_used_part_fkey FOREIGN KEY (organization_id, part_id)
    REFERENCES cmms.parts_inventory (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT work_order_parts_used_used_by_user_fkey FOREIGN KEY (organization_id, used_by_user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE SET NULL (used_by_user_id),
    CONSTRAINT work_order_parts_used_quantity_check CHECK (quantity > 0),
    CONSTRAINT work_order_parts_used_unit_cost_check CHECK (unit_cost >= 0)
);

CREATE INDEX work_order_parts_used_organization_id_work_order_id_idx
ON cmms.work_order_parts_used (organization_id, work_order_id);

CREATE INDEX work_order_parts_used_organization_id_part_id_idx
ON cmms.work_order_parts_used (organization_id, part_id, used_at);

CREATE INDEX work_order_parts_used_organization_id_used_by_user_id_idx
ON cmms.work_order_parts_used (organization_id, used_by_user_id);

CREATE TRIGGER work_order_parts_used_set_updated_at
BEFORE UPDATE ON cmms.work_order_parts_used
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.work_order_parts_used IS
'Parts used on work orders, with their cost at the time; each use is also an issue in part_transactions.';
COMMENT ON COLUMN cmms.work_order_parts_used.part_id IS
'The stocked part used; hard-deleting the part deletes its uses (parts are soft-deleted in normal use).';
COMMENT ON COLUMN cmms.work_order_parts_used.quantity IS
'How many were used, in the part''s unit.';
COMMENT ON COLUMN cmms.work_order_parts_used.unit_cost IS
'Cost of one unit when it was used (the part''s unit_cost may change later).';
COMMENT ON COLUMN cmms.work_order_parts_used.total_cost IS
'quantity × unit_cost, rounded to cents (generated).';
COMMENT ON COLUMN cmms.work_order_parts_used.used_by_user_id IS
'User who took the parts; cleared (only this column) when that user is deleted.';
COMMENT ON COLUMN cmms.work_order_parts_used.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.work_order_parts_used.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.work_order_parts_used.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.work_order_parts_used ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.work_order_parts_used FORCE ROW LEVEL SECURITY;

CREATE POLICY work_order_parts_used_select ON cmms.work_order_parts_used
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY work_order_parts_used_insert ON cmms.work_order_parts_used
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY work_order_parts_used_update ON cmms.work_order_parts_used
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY work_order_parts_used_delete ON cmms.work_order_parts_used
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.work_order_parts_used TO cmms_app;

GRANT SELECT ON cmms.work_order_parts_used TO cmms_readonly;

CREATE TRIGGER work_order_parts_used_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.work_order_parts_used
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_work_order_parts_used WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.work_order_parts_used
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_work_order_parts_used IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_work_order_parts_used FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_work_order_parts_used TO cmms_app, cmms_readonly;
