-- Part reservations: stock set aside for an open work order (from its template's parts, or
-- by hand), so that planners see what is promised before it is issued (issue 16, item 1);
-- row-level security, grants, audit trigger and soft-delete view (scaffolded by
-- `cmmsdb new --template tenant-table`). A reservation does not move stock: the issue
-- (cmms.consume_part) does; released_at ends it.
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.part_reservations (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    work_order_id uuid NOT NULL,
    part_id uuid NOT NULL,
    quantity numeric(12, 3) NOT NULL,
    released_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT part_reservations_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT part_reservations_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT part_reservations_work_order_fkey FOREIGN KEY (organization_id, work_order_id)
    REFERENCES cmms.work_orders (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT part_reservations_part_fkey FOREIGN KEY (organization_id, part_id)
    REFERENCES cmms.parts_inventory (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT part_reservations_quantity_check CHECK (quantity > 0)
);

CREATE INDEX part_reservations_organization_id_work_order_id_idx
ON cmms.part_reservations (organization_id, work_order_id);

CREATE INDEX part_reservations_organization_id_part_id_idx
ON cmms.part_reservations (organization_id, part_id);

CREATE TRIGGER part_reservations_set_updated_at
BEFORE UPDATE ON cmms.part_reservations
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.part_reservations IS
'Stock set aside for a work order until it is issued or released; reserving moves no stock.';
COMMENT ON COLUMN cmms.part_reservations.work_order_id IS
'The work order the parts are reserved for; deleting (or archiving) it deletes its reservations.';
COMMENT ON COLUMN cmms.part_reservations.part_id IS
'The stocked part reserved.';
COMMENT ON COLUMN cmms.part_reservations.quantity IS
'How many are reserved, in the part''s unit.';
COMMENT ON COLUMN cmms.part_reservations.released_at IS
'When the reservation ended (parts issued or no longer needed); NULL while it holds.';
COMMENT ON COLUMN cmms.part_reservations.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.part_reservations.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.part_reservations.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.part_reservations ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.part_reservations FORCE ROW LEVEL SECURITY;

CREATE POLICY part_reservations_select ON cmms.part_reservations
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY part_reservations_insert ON cmms.part_reservations
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY part_reservations_update ON cmms.part_reservations
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY part_reservations_delete ON cmms.part_reservations
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.part_reservations TO cmms_app;

GRANT SELECT ON cmms.part_reservations TO cmms_readonly;

CREATE TRIGGER part_reservations_audit_insert
AFTER INSERT ON cmms.part_reservations
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION cmms.audit_row_change();

CREATE TRIGGER part_reservations_audit_update
AFTER UPDATE ON cmms.part_reservations
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION cmms.audit_row_change();

CREATE TRIGGER part_reservations_audit_delete
AFTER DELETE ON cmms.part_reservations
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_part_reservations WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.part_reservations
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_part_reservations IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_part_reservations FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_part_reservations TO cmms_app, cmms_readonly;
