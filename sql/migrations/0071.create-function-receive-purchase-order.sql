-- cmms.receive_purchase_order: books the delivery of a whole purchase order: each line's
-- quantity not yet booked goes into stock and the ledger (as a receipt), the lines are
-- marked received and the order becomes 'received'. Receiving it again books nothing.
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.receive_purchase_order(purchase_order_id uuid)
RETURNS SETOF cmms.part_transactions
LANGUAGE plpgsql
VOLATILE
SET search_path = ''
AS $$
DECLARE
    org uuid := cmms.current_org_id();
    actor uuid;
    purchase_order record;
    line record;
    new_balance numeric;
    entry cmms.part_transactions;
BEGIN
    IF org IS NULL THEN
        RAISE EXCEPTION 'cmms.receive_purchase_order: no tenant context'
            USING ERRCODE = 'insufficient_privilege',
            HINT = 'call cmms.set_context(organization_id, user_id) first, in the same transaction';
    END IF;

    -- FOR UPDATE: a second receipt of the same order waits here, then finds it received.
    SELECT o.status, o.reference, o.currency INTO purchase_order
    FROM cmms.purchase_orders AS o
    WHERE
        o.organization_id = org AND o.id = receive_purchase_order.purchase_order_id
        AND o.deleted_at IS NULL
    FOR UPDATE;
    IF NOT found THEN
        RAISE EXCEPTION 'cmms.receive_purchase_order: purchase order % not found',
            receive_purchase_order.purchase_order_id
            USING ERRCODE = 'no_data_found';
    END IF;
    IF purchase_order.status = 'received' THEN
        RETURN;  -- already booked: receiving twice changes nothing
    END IF;
    IF purchase_order.status NOT IN ('approved', 'partially_received') THEN
        RAISE EXCEPTION 'cmms.receive_purchase_order: purchase order % is %',
            purchase_order.reference, purchase_order.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'only approved or partially_received orders can be received';
    END IF;
    IF NOT EXISTS (
        SELECT FROM cmms.purchase_order_lines AS l
        WHERE
            l.organization_id = org AND l.purchase_order_id = receive_purchase_order.purchase_order_id
            AND l.deleted_at IS NULL
    ) THEN
        RAISE EXCEPTION 'cmms.receive_purchase_order: purchase order % has no lines', purchase_order.reference
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;

    SELECT u.id INTO actor
    FROM cmms.users AS u
    WHERE u.organization_id = org AND u.id = cmms.current_user_id();

    -- Lock the order's parts in id order, as every receipt does: two receipts that share
    -- parts never wait for each other in a cycle (consume_part locks a single part).
    PERFORM
    FROM cmms.parts_inventory AS p
    WHERE
        p.organization_id = org
        AND p.id IN (
            SELECT l.part_id FROM cmms.purchase_order_lines AS l
            WHERE
                l.organization_id = org AND l.purchase_order_id = receive_purchase_order.purchase_order_id
                AND l.deleted_at IS NULL
        )
    ORDER BY p.id
    FOR UPDATE OF p;

    FOR line IN
        SELECT
            l.id,
            l.part_id,
            l.line_number,
            l.unit_cost,
            -- The ledger is the truth of what was booked against the line.
            l.quantity_ordered - coalesce((
                SELECT sum(t.quantity) FROM cmms.part_transactions AS t
                WHERE
                    t.organization_id = org AND t.purchase_order_line_id = l.id
                    AND t.transaction_type = 'receipt' AND t.deleted_at IS NULL
            ), 0) AS outstanding
        FROM cmms.purchase_order_lines AS l
        WHERE
            l.organization_id = org AND l.purchase_order_id = receive_purchase_order.purchase_order_id
            AND l.deleted_at IS NULL
        ORDER BY l.line_number
    LOOP
        IF line.part_id IS NOT NULL AND line.outstanding > 0 THEN
            UPDATE cmms.parts_inventory AS p
            SET
                quantity_on_hand = p.quantity_on_hand + line.outstanding,
                -- The last purchase price, when it is in the part's currency.
                unit_cost = CASE
                    WHEN line.unit_cost IS NOT NULL AND p.currency = purchase_order.currency THEN line.unit_cost
                    ELSE p.unit_cost
                END
            WHERE p.organization_id = org AND p.id = line.part_id
            RETURNING p.quantity_on_hand INTO new_balance;

            INSERT INTO cmms.part_transactions AS t (
                organization_id, part_id, transaction_type, quantity, balance_after, unit_cost,
                purchase_order_line_id, performed_by_user_id, note
            )
            VALUES (
                org, line.part_id, 'receipt', line.outstanding, new_balance, line.unit_cost,
                line.id, actor, pg_catalog.format('received on %s line %s', purchase_order.reference, line.line_number)
            )
            RETURNING t.* INTO entry;
            RETURN NEXT entry;
        END IF;
    END LOOP;

    UPDATE cmms.purchase_order_lines AS l
    SET quantity_received = l.quantity_ordered
    WHERE
        l.organization_id = org AND l.purchase_order_id = receive_purchase_order.purchase_order_id
        AND l.deleted_at IS NULL AND l.quantity_received <> l.quantity_ordered;

    UPDATE cmms.purchase_orders AS o
    SET status = 'received', received_at = now()
    WHERE o.organization_id = org AND o.id = receive_purchase_order.purchase_order_id;
END;
$$;

COMMENT ON FUNCTION cmms.receive_purchase_order(uuid) IS
'Receives a purchase order in full, in the tenant context: for each live line of a stocked part, the quantity '
'ordered minus the receipts already booked against the line in part_transactions goes into '
'parts_inventory.quantity_on_hand and the ledger (a receipt with the line''s unit_cost; the part''s unit_cost '
'becomes it when the currencies match); every live line gets quantity_received = quantity_ordered; the order '
'becomes received with received_at = now(). Returns the ledger rows it booked. Idempotent: an order already '
'received returns no rows and changes nothing (concurrent calls queue on the order''s row lock). Errors: 42501 '
'no tenant context; P0002 order not found in the tenant (or soft-deleted); 55000 order in draft, submitted or '
'cancelled, or without live lines.';

REVOKE ALL ON FUNCTION cmms.receive_purchase_order(uuid) FROM PUBLIC, cmms_readonly;
GRANT EXECUTE ON FUNCTION cmms.receive_purchase_order(uuid) TO cmms_app;
