-- Part transactions: the ledger of every stock movement (receipt, issue, return,
-- adjustment, transfer), each with the balance it left. The application may add to it but
-- not rewrite it: a correction is a new adjustment.
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.part_transactions (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    part_id uuid NOT NULL,
    transaction_type text NOT NULL,
    quantity numeric(12, 3) NOT NULL,
    balance_after numeric(12, 3) NOT NULL,
    unit_cost numeric(12, 2),
    occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    work_order_id uuid,
    purchase_order_line_id uuid,
    performed_by_user_id uuid,
    note text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT part_transactions_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT part_transactions_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT part_transactions_part_fkey FOREIGN KEY (organization_id, part_id)
    REFERENCES cmms.parts_inventory (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT part_transactions_work_order_fkey FOREIGN KEY (organization_id, work_order_id)
    REFERENCES cmms.work_orders (organization_id, id) ON DELETE SET NULL (work_order_id),
    CONSTRAINT part_transactions_purchase_order_line_fkey FOREIGN KEY (organization_id, purchase_order_line_id)
    REFERENCES cmms.purchase_order_lines (organization_id, id) ON DELETE SET NULL (purchase_order_line_id),
    CONSTRAINT part_transactions_performed_by_user_fkey FOREIGN KEY (organization_id, performed_by_user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE SET NULL (performed_by_user_id),
    CONSTRAINT part_transactions_transaction_type_check CHECK (
        transaction_type IN ('receipt', 'issue', 'return', 'adjustment', 'transfer_in', 'transfer_out')
    ),
    CONSTRAINT part_transactions_quantity_check CHECK (
        CASE
            WHEN transaction_type IN ('receipt', 'return', 'transfer_in') THEN quantity > 0
            WHEN transaction_type IN ('issue', 'transfer_out') THEN quantity < 0
            ELSE quantity <> 0
        END
    ),
    CONSTRAINT part_transactions_balance_after_check CHECK (balance_after >= 0),
    CONSTRAINT part_transactions_unit_cost_check CHECK (unit_cost >= 0)
);

CREATE INDEX part_transactions_organization_id_part_id_occurred_at_idx
ON cmms.part_transactions (organization_id, part_id, occurred_at);

CREATE INDEX part_transactions_organization_id_work_order_id_idx
ON cmms.part_transactions (organization_id, work_order_id);

CREATE INDEX part_transactions_organization_id_purchase_order_line_id_idx
ON cmms.part_transactions (organization_id, purchase_order_line_id);

CREATE INDEX part_transactions_organization_id_performed_by_user_id_idx
ON cmms.part_transactions (organization_id, performed_by_user_id);

CREATE TRIGGER part_transactions_set_updated_at
BEFORE UPDATE ON cmms.part_transactions
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.part_transactions IS
'Ledger of every stock movement of a part, each with the balance it left; the application only appends.';
COMMENT ON COLUMN cmms.part_transactions.transaction_type IS
'receipt, issue, return, adjustment, transfer_in or transfer_out.';
COMMENT ON COLUMN cmms.part_transactions.quantity IS
'Signed change of stock: positive for receipt, return, transfer_in; negative for issue, transfer_out; '
'either for adjustment.';
COMMENT ON COLUMN cmms.part_transactions.balance_after IS
'quantity_on_hand of the part after this movement (never negative).';
COMMENT ON COLUMN cmms.part_transactions.unit_cost IS
'Cost of one unit in this movement (the purchase price of a receipt), if known.';
COMMENT ON COLUMN cmms.part_transactions.occurred_at IS
'When the stock moved (not when it was recorded, which is created_at).';
COMMENT ON COLUMN cmms.part_transactions.work_order_id IS
'Work order the parts were issued to or returned from; cleared (only this column) when it is deleted.';
COMMENT ON COLUMN cmms.part_transactions.purchase_order_line_id IS
'Purchase order line a receipt books; cleared (only this column) when it is deleted.';
COMMENT ON COLUMN cmms.part_transactions.performed_by_user_id IS
'User who moved the stock; cleared (only this column) when that user is deleted.';
COMMENT ON COLUMN cmms.part_transactions.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.part_transactions.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.part_transactions.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.part_transactions ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.part_transactions FORCE ROW LEVEL SECURITY;

CREATE POLICY part_transactions_select ON cmms.part_transactions
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY part_transactions_insert ON cmms.part_transactions
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY part_transactions_update ON cmms.part_transactions
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY part_transactions_delete ON cmms.part_transactions
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

-- Append-only for the application: no UPDATE or DELETE (a correction is a new adjustment).
GRANT SELECT, INSERT ON cmms.part_transactions TO cmms_app;

REVOKE UPDATE, DELETE, TRUNCATE ON cmms.part_transactions FROM cmms_app;

GRANT SELECT ON cmms.part_transactions TO cmms_readonly;

CREATE TRIGGER part_transactions_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.part_transactions
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_part_transactions WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.part_transactions
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_part_transactions IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_part_transactions FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_part_transactions TO cmms_app, cmms_readonly;
