-- Parts inventory: one stocked part at one storage location, with its running stock
-- balance, reorder rule, cost and preferred vendor; row-level security, grants, audit
-- trigger and soft-delete view (scaffolded by `cmmsdb new --template tenant-table`).
-- Stock never goes negative (a CHECK); stock changes are meant to go through
-- part_transactions (a later migration), which keep quantity_on_hand as their balance.
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.parts_inventory (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    part_number text NOT NULL,
    name text NOT NULL,
    description text,
    category text,
    unit text NOT NULL DEFAULT 'each',
    quantity_on_hand numeric(12, 3) NOT NULL DEFAULT 0,
    reorder_point numeric(12, 3) NOT NULL DEFAULT 0,
    reorder_quantity numeric(12, 3),
    unit_cost numeric(12, 2),
    currency text NOT NULL DEFAULT 'USD',
    location_id uuid,
    storage_bin text,
    preferred_vendor_id uuid,
    barcode text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT parts_inventory_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT parts_inventory_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT parts_inventory_location_fkey FOREIGN KEY (organization_id, location_id)
    REFERENCES cmms.locations (organization_id, id) ON DELETE SET NULL (location_id),
    CONSTRAINT parts_inventory_preferred_vendor_fkey FOREIGN KEY (organization_id, preferred_vendor_id)
    REFERENCES cmms.vendors (organization_id, id) ON DELETE SET NULL (preferred_vendor_id),
    CONSTRAINT parts_inventory_part_number_check CHECK (length(btrim(part_number)) BETWEEN 1 AND 100),
    CONSTRAINT parts_inventory_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT parts_inventory_unit_check CHECK (
        unit IN ('each', 'box', 'pack', 'pair', 'set', 'm', 'cm', 'mm', 'kg', 'g', 'l', 'ml', 'roll', 'sheet')
    ),
    CONSTRAINT parts_inventory_quantity_on_hand_check CHECK (quantity_on_hand >= 0),
    CONSTRAINT parts_inventory_reorder_point_check CHECK (reorder_point >= 0),
    CONSTRAINT parts_inventory_reorder_quantity_check CHECK (reorder_quantity > 0),
    CONSTRAINT parts_inventory_unit_cost_check CHECK (unit_cost >= 0),
    CONSTRAINT parts_inventory_currency_check CHECK (currency ~ '^[A-Z]{3}$')
);

-- NULLS NOT DISTINCT: parts without a location share one namespace, as if NULL were a location.
CREATE UNIQUE INDEX parts_inventory_organization_id_location_id_part_number_key
ON cmms.parts_inventory (organization_id, location_id, lower(part_number)) NULLS NOT DISTINCT
WHERE deleted_at IS NULL;

-- Not partial, unlike the key above: ON DELETE SET NULL must find soft-deleted rows too.
CREATE INDEX parts_inventory_organization_id_location_id_idx
ON cmms.parts_inventory (organization_id, location_id);

CREATE INDEX parts_inventory_organization_id_preferred_vendor_id_idx
ON cmms.parts_inventory (organization_id, preferred_vendor_id);

-- The reorder list: live parts at or below their reorder point, in part number order.
CREATE INDEX parts_inventory_below_reorder_point_idx
ON cmms.parts_inventory (organization_id, part_number)
WHERE quantity_on_hand <= reorder_point AND deleted_at IS NULL;

CREATE TRIGGER parts_inventory_set_updated_at
BEFORE UPDATE ON cmms.parts_inventory
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.parts_inventory IS
'One stocked part at one storage location: its running stock balance, reorder rule, cost and preferred vendor. '
'Stock changes go through part_transactions (a later migration); quantity_on_hand never goes negative.';
COMMENT ON COLUMN cmms.parts_inventory.part_number IS
'The organization''s (or manufacturer''s) part number; unique (case-insensitively) among the live parts of '
'one location, and among the live parts without a location.';
COMMENT ON COLUMN cmms.parts_inventory.category IS
'Free-text grouping for lists and reports (e.g. filters, bearings, belts, electrical).';
COMMENT ON COLUMN cmms.parts_inventory.unit IS
'Unit that quantities and unit_cost are counted in: each, box, pack, pair, set, m, cm, mm, kg, g, l, ml, '
'roll or sheet.';
COMMENT ON COLUMN cmms.parts_inventory.quantity_on_hand IS
'Running stock balance, in unit. Stock changes go through part_transactions (a later migration), which keep '
'it as their running total rather than letting it be edited; never negative (a change below 0 is refused).';
COMMENT ON COLUMN cmms.parts_inventory.reorder_point IS
'Stock level, in unit, at or below which the part is due for reordering (listed by the reorder index); '
'0 means reorder when out of stock.';
COMMENT ON COLUMN cmms.parts_inventory.reorder_quantity IS
'Quantity, in unit, to order when the part is reordered; NULL when not set.';
COMMENT ON COLUMN cmms.parts_inventory.unit_cost IS
'Current cost of one unit, in currency (e.g. the last purchase price); NULL when unknown.';
COMMENT ON COLUMN cmms.parts_inventory.currency IS
'ISO 4217 code (three capital letters) of unit_cost.';
COMMENT ON COLUMN cmms.parts_inventory.location_id IS
'Location where the part is stored (a storeroom, a site); cleared (only this column) when that location is deleted.';
COMMENT ON COLUMN cmms.parts_inventory.storage_bin IS
'Shelf, bin or drawer within the location (e.g. A-03-2).';
COMMENT ON COLUMN cmms.parts_inventory.preferred_vendor_id IS
'Vendor the part is normally bought from; cleared (only this column) when that vendor is deleted.';
COMMENT ON COLUMN cmms.parts_inventory.barcode IS
'Barcode or QR code value printed on the bin label or the part (EAN, UPC or the organization''s own).';
COMMENT ON COLUMN cmms.parts_inventory.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.parts_inventory.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.parts_inventory.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.parts_inventory ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.parts_inventory FORCE ROW LEVEL SECURITY;

CREATE POLICY parts_inventory_select ON cmms.parts_inventory
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY parts_inventory_insert ON cmms.parts_inventory
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY parts_inventory_update ON cmms.parts_inventory
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY parts_inventory_delete ON cmms.parts_inventory
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.parts_inventory TO cmms_app;

GRANT SELECT ON cmms.parts_inventory TO cmms_readonly;

CREATE TRIGGER parts_inventory_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.parts_inventory
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_parts_inventory WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.parts_inventory
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_parts_inventory IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_parts_inventory FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_parts_inventory TO cmms_app, cmms_readonly;
