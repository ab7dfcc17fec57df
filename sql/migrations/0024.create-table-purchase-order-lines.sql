-- Purchase order lines: what a purchase order buys, one numbered line per stocked part
-- or non-stock item, with the quantity ordered and received so far; row-level security,
-- grants, audit trigger and soft-delete view (scaffolded by
-- `cmmsdb new --template tenant-table`).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.purchase_order_lines (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    purchase_order_id uuid NOT NULL,
    line_number integer NOT NULL,
    part_id uuid,
    description text NOT NULL,
    quantity_ordered numeric(12, 3) NOT NULL,
    quantity_received numeric(12, 3) NOT NULL DEFAULT 0,
    unit_cost numeric(12, 2),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT purchase_order_lines_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT purchase_order_lines_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT purchase_order_lines_purchase_order_fkey FOREIGN KEY (organization_id, purchase_order_id)
    REFERENCES cmms.purchase_orders (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT purchase_order_lines_part_fkey FOREIGN KEY (organization_id, part_id)
    REFERENCES cmms.parts_inventory (organization_id, id) ON DELETE SET NULL (part_id),
    CONSTRAINT purchase_order_lines_line_number_check CHECK (line_number > 0),
    CONSTRAINT purchase_order_lines_description_check CHECK (length(btrim(description)) BETWEEN 1 AND 1000),
    CONSTRAINT purchase_order_lines_quantity_ordered_check CHECK (quantity_ordered > 0),
    CONSTRAINT purchase_order_lines_quantity_received_check CHECK (
        quantity_received >= 0 AND quantity_received <= quantity_ordered
    ),
    CONSTRAINT purchase_order_lines_unit_cost_check CHECK (unit_cost >= 0)
);

CREATE UNIQUE INDEX purchase_order_lines_organization_id_purchase_order_id_line_number_key
ON cmms.purchase_order_lines (organization_id, purchase_order_id, line_number)
WHERE deleted_at IS NULL;

-- Not partial, unlike the key above: ON DELETE CASCADE must find soft-deleted lines too.
CREATE INDEX purchase_order_lines_organization_id_purchase_order_id_idx
ON cmms.purchase_order_lines (organization_id, purchase_order_id);

CREATE INDEX purchase_order_lines_organization_id_part_id_idx
ON cmms.purchase_order_lines (organization_id, part_id);

CREATE TRIGGER purchase_order_lines_set_updated_at
BEFORE UPDATE ON cmms.purchase_order_lines
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.purchase_order_lines IS
'The lines of a purchase order: a stocked part or a non-stock item, the quantity ordered and received so far.';
COMMENT ON COLUMN cmms.purchase_order_lines.purchase_order_id IS
'The order this line belongs to; deleting the order deletes its lines.';
COMMENT ON COLUMN cmms.purchase_order_lines.line_number IS
'Position of the line on the order (1, 2, ...), unique among the order''s live lines.';
COMMENT ON COLUMN cmms.purchase_order_lines.part_id IS
'The stocked part ordered, in the same organization; NULL for a non-stock item described only by description. '
'Cleared (only this column) when that part is deleted.';
COMMENT ON COLUMN cmms.purchase_order_lines.description IS
'What is ordered, as printed on the order (for a stocked part, typically its part number and name).';
COMMENT ON COLUMN cmms.purchase_order_lines.quantity_ordered IS
'Quantity ordered (more than 0), in the part''s unit for a stocked part.';
COMMENT ON COLUMN cmms.purchase_order_lines.quantity_received IS
'Quantity received so far, from 0 up to quantity_ordered: receipts may come in several deliveries.';
COMMENT ON COLUMN cmms.purchase_order_lines.unit_cost IS
'Agreed price of one unit, in the currency of the order; NULL when not yet known.';
COMMENT ON COLUMN cmms.purchase_order_lines.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.purchase_order_lines.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.purchase_order_lines.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.purchase_order_lines ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.purchase_order_lines FORCE ROW LEVEL SECURITY;

CREATE POLICY purchase_order_lines_select ON cmms.purchase_order_lines
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY purchase_order_lines_insert ON cmms.purchase_order_lines
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY purchase_order_lines_update ON cmms.purchase_order_lines
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY purchase_order_lines_delete ON cmms.purchase_order_lines
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.purchase_order_lines TO cmms_app;

GRANT SELECT ON cmms.purchase_order_lines TO cmms_readonly;

CREATE TRIGGER purchase_order_lines_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.purchase_order_lines
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_purchase_order_lines WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.purchase_order_lines
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_purchase_order_lines IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_purchase_order_lines FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_purchase_order_lines TO cmms_app, cmms_readonly;
