-- cmms.consume_part: parts taken from stock for a work order, in one call and one
-- transaction: stock decremented (never below zero, even under concurrent consumers), the
-- use recorded on the work order, the movement appended to the ledger, and the managers
-- notified when the stock falls to its reorder point.
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.consume_part(work_order_id uuid, part_id uuid, quantity numeric)
RETURNS cmms.part_transactions
LANGUAGE plpgsql
VOLATILE
SET search_path = ''
AS $$
DECLARE
    org uuid := cmms.current_org_id();
    actor uuid;
    work_order record;
    part record;
    new_balance numeric;
    entry cmms.part_transactions;
    notified integer;
BEGIN
    IF org IS NULL THEN
        RAISE EXCEPTION 'cmms.consume_part: no tenant context'
            USING ERRCODE = 'insufficient_privilege',
            HINT = 'call cmms.set_context(organization_id, user_id) first, in the same transaction';
    END IF;
    IF consume_part.quantity IS NULL OR consume_part.quantity <= 0
        OR consume_part.quantity <> pg_catalog.round(consume_part.quantity, 3) THEN
        RAISE EXCEPTION 'cmms.consume_part: quantity must be more than 0, with at most 3 decimals (got %)',
            coalesce(consume_part.quantity::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- Checked, not locked: a lock here would deadlock with a transaction that changes the
    -- work order (cmms.transition_work_order) and then uses the same part. A work order
    -- closed at the same moment may still get this use; the foreign key keeps it existing.
    SELECT w.status, w.reference INTO work_order
    FROM cmms.work_orders AS w
    WHERE w.organization_id = org AND w.id = consume_part.work_order_id AND w.deleted_at IS NULL;
    IF NOT found THEN
        RAISE EXCEPTION 'cmms.consume_part: work order % not found', consume_part.work_order_id
            USING ERRCODE = 'no_data_found';
    END IF;
    IF work_order.status IN ('closed', 'cancelled') THEN
        RAISE EXCEPTION 'cmms.consume_part: work order % is %', work_order.reference, work_order.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'parts can be used on open, in_progress, on_hold or completed work orders';
    END IF;

    -- FOR UPDATE: consumers of one part queue here, and each reads the stock the previous
    -- one left (READ COMMITTED follows the row to its latest version), so none oversells.
    SELECT p.quantity_on_hand, p.reorder_point, p.unit_cost, p.part_number, p.name, p.unit INTO part
    FROM cmms.parts_inventory AS p
    WHERE p.organization_id = org AND p.id = consume_part.part_id AND p.deleted_at IS NULL
    FOR UPDATE;
    IF NOT found THEN
        RAISE EXCEPTION 'cmms.consume_part: part % not found', consume_part.part_id
            USING ERRCODE = 'no_data_found';
    END IF;
    IF part.quantity_on_hand < consume_part.quantity THEN
        RAISE EXCEPTION 'cmms.consume_part: insufficient stock of part %: % % on hand, % requested',
            part.part_number, pg_catalog.trim_scale(part.quantity_on_hand), part.unit,
            pg_catalog.trim_scale(consume_part.quantity)
            USING ERRCODE = 'CM101',
            HINT = 'receive stock (cmms.receive_purchase_order) or use a smaller quantity';
    END IF;

    UPDATE cmms.parts_inventory AS p
    SET quantity_on_hand = p.quantity_on_hand - consume_part.quantity
    WHERE p.organization_id = org AND p.id = consume_part.part_id
    RETURNING p.quantity_on_hand INTO new_balance;

    -- The acting user, when the context names a user of this organization.
    SELECT u.id INTO actor
    FROM cmms.users AS u
    WHERE u.organization_id = org AND u.id = cmms.current_user_id();

    INSERT INTO cmms.work_order_parts_used (
        organization_id, work_order_id, part_id, quantity, unit_cost, used_by_user_id
    )
    VALUES (
        org, consume_part.work_order_id, consume_part.part_id, consume_part.quantity,
        coalesce(part.unit_cost, 0), actor
    );

    INSERT INTO cmms.part_transactions AS t (
        organization_id, part_id, transaction_type, quantity, balance_after, unit_cost,
        work_order_id, performed_by_user_id, note
    )
    VALUES (
        org, consume_part.part_id, 'issue', -consume_part.quantity, new_balance, part.unit_cost,
        consume_part.work_order_id, actor, 'used on ' || work_order.reference
    )
    RETURNING t.* INTO entry;

    -- Crossing, not being below: one notification when the stock falls to the reorder
    -- point, none for each further use while it stays there.
    IF part.quantity_on_hand > part.reorder_point AND new_balance <= part.reorder_point THEN
        INSERT INTO cmms.notifications (
            organization_id, user_id, notification_type, title, body, entity_type, entity_id
        )
        SELECT
            org,
            u.id,
            'part_below_reorder_point',
            pg_catalog.left(
                pg_catalog.format(
                    'Reorder %s: %s %s left', part.part_number, pg_catalog.trim_scale(new_balance), part.unit
                ),
                200
            ),
            pg_catalog.format(
                '%s (%s) is at %s %s, at or below its reorder point of %s, after %s %s were used on %s.',
                part.name, part.part_number, pg_catalog.trim_scale(new_balance), part.unit,
                pg_catalog.trim_scale(part.reorder_point), pg_catalog.trim_scale(consume_part.quantity),
                part.unit, work_order.reference
            ),
            'part',
            consume_part.part_id
        FROM cmms.users AS u
        WHERE
            u.organization_id = org AND u.deleted_at IS NULL AND u.status = 'active'
            AND u.role IN ('admin', 'manager');
        GET DIAGNOSTICS notified = ROW_COUNT;
        -- No active admin or manager: tell the user who took the last parts.
        IF notified = 0 AND actor IS NOT NULL THEN
            INSERT INTO cmms.notifications (
                organization_id, user_id, notification_type, title, entity_type, entity_id
            )
            VALUES (
                org, actor, 'part_below_reorder_point',
                pg_catalog.left(
                    pg_catalog.format(
                        'Reorder %s: %s %s left', part.part_number, pg_catalog.trim_scale(new_balance), part.unit
                    ),
                    200
                ),
                'part', consume_part.part_id
            );
        END IF;
    END IF;

    RETURN entry;
END;
$$;

COMMENT ON FUNCTION cmms.consume_part(uuid, uuid, numeric) IS
'Takes quantity of a stocked part for a work order, in the tenant context: decrements '
'parts_inventory.quantity_on_hand, records the use in work_order_parts_used (at the part''s unit_cost) and an '
'issue in part_transactions (quantity negative, balance_after = the new stock), and returns that ledger row. '
'Concurrent consumers of one part queue on its row lock, so stock never goes negative. When the stock falls '
'from above to at or below reorder_point it notifies (part_below_reorder_point) every active admin and manager, '
'else the acting user. Errors: 42501 no tenant context; 22023 quantity not > 0 or more than 3 decimals; '
'P0002 work order or part not found in the tenant (or soft-deleted); 55000 work order closed or cancelled; '
'CM101 insufficient stock (nothing is changed).';

REVOKE ALL ON FUNCTION cmms.consume_part(uuid, uuid, numeric) FROM PUBLIC, cmms_readonly;
GRANT EXECUTE ON FUNCTION cmms.consume_part(uuid, uuid, numeric) TO cmms_app;
