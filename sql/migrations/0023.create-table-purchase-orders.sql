-- Purchase orders: orders for parts and services placed with a vendor, numbered per
-- organization (PO-000001, PO-000002, ...) by cmms.assign_purchase_order_number(), a
-- BEFORE INSERT trigger that serializes the organization's concurrent creators on an
-- advisory lock; with row-level security, grants, audit trigger and soft-delete view
-- (scaffolded by `cmmsdb new --template tenant-table`). Their lines are
-- purchase_order_lines.
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.assign_purchase_order_number()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    IF NEW.number IS NULL THEN
        -- Advisory lock class 1347374671 (0x504F4E4F, 'PONO' in ASCII) keyed by the
        -- organization: one creator per organization at a time, until its transaction ends.
        PERFORM pg_catalog.pg_advisory_xact_lock(
            1347374671, pg_catalog.hashtext(NEW.organization_id::text)
        );
        -- A new statement, so (in READ COMMITTED) a new snapshot: it sees the number that
        -- the creator we waited for committed.
        SELECT coalesce(max(po.number), 0) + 1 INTO NEW.number
        FROM cmms.purchase_orders AS po
        WHERE po.organization_id = NEW.organization_id;
    END IF;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION cmms.assign_purchase_order_number() IS
'BEFORE INSERT trigger of purchase_orders: when number is NULL, sets it to the organization''s highest number + 1 '
'(soft-deleted orders included, so a number is never reused while its order exists). It first takes '
'pg_advisory_xact_lock(1347374671, hashtext(organization_id::text)) (class 1347374671 = 0x504F4E4F, ''PONO''; '
'two int4 keys never meet the migrator''s single int8 keys), so concurrent creators of one organization wait '
'for each other until commit and get consecutive numbers; the unique index on (organization_id, number) is the '
'backstop. Under REPEATABLE READ or SERIALIZABLE the waiter''s snapshot misses the other''s number and the '
'unique index refuses the insert: retry. Runs as the caller, so row-level security limits max() to the tenant.';

CREATE TABLE cmms.purchase_orders (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    number bigint NOT NULL,
    reference text NOT NULL GENERATED ALWAYS AS (
        'PO-' || lpad(number::text, greatest(6, length(number::text)), '0')
    ) STORED,
    vendor_id uuid NOT NULL,
    status text NOT NULL DEFAULT 'draft',
    ordered_at timestamptz,
    expected_at timestamptz,
    received_at timestamptz,
    currency text NOT NULL DEFAULT 'USD',
    notes text,
    requested_by_user_id uuid,
    approved_by_user_id uuid,
    ship_to_location_id uuid,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT purchase_orders_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT purchase_orders_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT purchase_orders_vendor_fkey FOREIGN KEY (organization_id, vendor_id)
    REFERENCES cmms.vendors (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT purchase_orders_requested_by_user_fkey FOREIGN KEY (organization_id, requested_by_user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE SET NULL (requested_by_user_id),
    CONSTRAINT purchase_orders_approved_by_user_fkey FOREIGN KEY (organization_id, approved_by_user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE SET NULL (approved_by_user_id),
    CONSTRAINT purchase_orders_ship_to_location_fkey FOREIGN KEY (organization_id, ship_to_location_id)
    REFERENCES cmms.locations (organization_id, id) ON DELETE SET NULL (ship_to_location_id),
    CONSTRAINT purchase_orders_number_check CHECK (number > 0),
    CONSTRAINT purchase_orders_status_check CHECK (
        status IN ('draft', 'submitted', 'approved', 'partially_received', 'received', 'cancelled')
    ),
    CONSTRAINT purchase_orders_currency_check CHECK (currency ~ '^[A-Z]{3}$')
);

-- Not partial: a soft-deleted order keeps its number, which is never given to another.
CREATE UNIQUE INDEX purchase_orders_organization_id_number_key
ON cmms.purchase_orders (organization_id, number);

CREATE INDEX purchase_orders_organization_id_vendor_id_idx
ON cmms.purchase_orders (organization_id, vendor_id);

CREATE INDEX purchase_orders_organization_id_requested_by_user_id_idx
ON cmms.purchase_orders (organization_id, requested_by_user_id);

CREATE INDEX purchase_orders_organization_id_approved_by_user_id_idx
ON cmms.purchase_orders (organization_id, approved_by_user_id);

CREATE INDEX purchase_orders_organization_id_ship_to_location_id_idx
ON cmms.purchase_orders (organization_id, ship_to_location_id);

CREATE TRIGGER purchase_orders_assign_number
BEFORE INSERT ON cmms.purchase_orders
FOR EACH ROW EXECUTE FUNCTION cmms.assign_purchase_order_number();

CREATE TRIGGER purchase_orders_set_updated_at
BEFORE UPDATE ON cmms.purchase_orders
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.purchase_orders IS
'Orders for parts and services placed with a vendor, numbered per organization; their lines are '
'purchase_order_lines.';
COMMENT ON COLUMN cmms.purchase_orders.number IS
'Order number, unique within the organization and never reused while the order exists (soft-deleted included); '
'leave it NULL on insert and cmms.assign_purchase_order_number() gives the next one.';
COMMENT ON COLUMN cmms.purchase_orders.reference IS
'The number as printed, kept by PostgreSQL: PO- and the number zero-padded to at least 6 digits (PO-000042). '
'Look orders up by number.';
COMMENT ON COLUMN cmms.purchase_orders.vendor_id IS
'Vendor the order is placed with. Hard-deleting a vendor deletes its orders (and their lines): that is an '
'administrator''s purge; vendors are normally soft-deleted (deleted_at), which keeps their orders.';
COMMENT ON COLUMN cmms.purchase_orders.status IS
'draft, submitted (sent for approval), approved, partially_received, received or cancelled.';
COMMENT ON COLUMN cmms.purchase_orders.ordered_at IS
'When the order was sent to the vendor; NULL while it has not been.';
COMMENT ON COLUMN cmms.purchase_orders.expected_at IS
'When the vendor is expected to deliver.';
COMMENT ON COLUMN cmms.purchase_orders.received_at IS
'When the order was received in full (not tied to status by a CHECK: receipts may be partial or corrected).';
COMMENT ON COLUMN cmms.purchase_orders.currency IS
'ISO 4217 code (three capital letters) of the unit costs of the order''s lines.';
COMMENT ON COLUMN cmms.purchase_orders.requested_by_user_id IS
'User who asked for the order; cleared (only this column) when that user is deleted.';
COMMENT ON COLUMN cmms.purchase_orders.approved_by_user_id IS
'User who approved the order; cleared (only this column) when that user is deleted, which is why no CHECK '
'requires it of approved orders.';
COMMENT ON COLUMN cmms.purchase_orders.ship_to_location_id IS
'Location the vendor delivers to; cleared (only this column) when that location is deleted.';
COMMENT ON COLUMN cmms.purchase_orders.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.purchase_orders.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.purchase_orders.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.purchase_orders ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.purchase_orders FORCE ROW LEVEL SECURITY;

CREATE POLICY purchase_orders_select ON cmms.purchase_orders
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY purchase_orders_insert ON cmms.purchase_orders
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY purchase_orders_update ON cmms.purchase_orders
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY purchase_orders_delete ON cmms.purchase_orders
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.purchase_orders TO cmms_app;

GRANT SELECT ON cmms.purchase_orders TO cmms_readonly;

CREATE TRIGGER purchase_orders_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.purchase_orders
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_purchase_orders WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.purchase_orders
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_purchase_orders IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_purchase_orders FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_purchase_orders TO cmms_app, cmms_readonly;
