-- Every stored function that changes state checks its permission (issue 16, item 2): a
-- call of cmms.require_permission (0148) after the function's own tenant-context check,
-- so a user whose role lacks it gets insufficient_privilege (42501) naming the permission.
-- Written from the functions' definitions as they were (pg_get_functiondef), which the
-- rollback restores. transition_work_order needs work_order.transition, and also
-- work_order.close to close or work_order.cancel to cancel.
-- cmmsdb: allow multiple-existing-tables because only functions change (no table is touched).
SET LOCAL ROLE cmms_owner;

CREATE OR REPLACE FUNCTION cmms.create_work_order(
    title text DEFAULT NULL::text,
    description text DEFAULT NULL::text,
    priority text DEFAULT NULL::text,
    work_order_type text DEFAULT NULL::text,
    due_at timestamp with time zone DEFAULT NULL::timestamp with time zone,
    assignee_user_id uuid DEFAULT NULL::uuid,
    team_id uuid DEFAULT NULL::uuid,
    location_id uuid DEFAULT NULL::uuid,
    asset_ids uuid[] DEFAULT '{}'::uuid[],
    custom_fields jsonb DEFAULT '{}'::jsonb,
    requester_user_id uuid DEFAULT NULL::uuid,
    estimated_duration_minutes integer DEFAULT NULL::integer,
    template_id uuid DEFAULT NULL::uuid
)
RETURNS cmms.work_orders
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    org uuid := cmms.require_context();
    template cmms.work_order_templates;
    created cmms.work_orders;
    unknown text;
BEGIN
    PERFORM cmms.require_permission('work_order.create');
    IF create_work_order.custom_fields IS NULL OR pg_catalog.jsonb_typeof(create_work_order.custom_fields) <> 'object' THEN
        RAISE EXCEPTION 'cmms.create_work_order: custom_fields must be a JSON object of field key to value'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT pg_catalog.string_agg(k.key, ', ' ORDER BY k.key) INTO unknown
    FROM pg_catalog.jsonb_object_keys(create_work_order.custom_fields) AS k (key)
    WHERE NOT EXISTS (
        SELECT 1 FROM cmms.custom_fields AS f
        WHERE f.organization_id = org AND f.entity_type = 'work_order' AND f.key = k.key AND f.deleted_at IS NULL
    );
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'cmms.create_work_order: no work order custom field %', unknown
            USING ERRCODE = 'CM003', HINT = 'custom_fields keys are the key column of cmms.custom_fields.';
    END IF;
    IF create_work_order.template_id IS NOT NULL THEN
        SELECT t.* INTO template
        FROM cmms.work_order_templates AS t
        WHERE t.organization_id = org AND t.id = create_work_order.template_id AND t.deleted_at IS NULL;
        IF NOT found THEN
            RAISE EXCEPTION 'cmms.create_work_order: no work order template % in this organization',
                create_work_order.template_id
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END IF;

    INSERT INTO cmms.work_orders AS w (
        organization_id, title, description, priority, work_order_type, due_at,
        assignee_user_id, team_id, location_id, requester_user_id, estimated_duration_minutes, template_id
    )
    VALUES (
        org, coalesce(create_work_order.title, template.title),
        coalesce(
            create_work_order.description,
            nullif(concat_ws(E'\n\n', template.description, template.instructions), '')
        ),
        coalesce(create_work_order.priority, template.priority, 'medium'),
        coalesce(create_work_order.work_order_type, template.work_order_type, 'corrective'),
        create_work_order.due_at, create_work_order.assignee_user_id,
        coalesce(create_work_order.team_id, template.team_id),
        create_work_order.location_id,
        coalesce(create_work_order.requester_user_id, cmms.current_user_id()),
        coalesce(create_work_order.estimated_duration_minutes, template.estimated_duration_minutes),
        create_work_order.template_id
    )
    RETURNING w.* INTO created;

    INSERT INTO cmms.work_order_assets (organization_id, work_order_id, asset_id)
    SELECT DISTINCT org, created.id, a.asset_id
    FROM pg_catalog.unnest(create_work_order.asset_ids) AS a (asset_id)
    WHERE a.asset_id IS NOT NULL;

    INSERT INTO cmms.custom_field_values (organization_id, custom_field_id, entity_id, value)
    SELECT org, f.id, created.id, v.value
    FROM pg_catalog.jsonb_each(create_work_order.custom_fields) AS v (key, value)
    INNER JOIN cmms.custom_fields AS f
        ON f.organization_id = org AND f.entity_type = 'work_order' AND f.key = v.key AND f.deleted_at IS NULL;

    IF create_work_order.template_id IS NOT NULL THEN
        PERFORM cmms.apply_work_order_template(created.id, create_work_order.template_id);
    END IF;

    RETURN created;
END;
$function$;

CREATE OR REPLACE FUNCTION cmms.apply_work_order_template(p_work_order_id uuid, p_template_id uuid)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    org uuid := cmms.require_context();
BEGIN
    PERFORM cmms.require_permission('work_order.create');
    IF NOT EXISTS (
        SELECT 1 FROM cmms.work_order_templates AS t
        WHERE t.organization_id = org AND t.id = p_template_id AND t.deleted_at IS NULL
    ) THEN
        RAISE EXCEPTION 'cmms.apply_work_order_template: no work order template % in this organization', p_template_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM cmms.work_orders AS w
        WHERE w.organization_id = org AND w.id = p_work_order_id AND w.deleted_at IS NULL
    ) THEN
        RAISE EXCEPTION 'cmms.apply_work_order_template: no work order % in this organization', p_work_order_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;

    -- The template's live checklists, each with a new id; a volatile CTE is evaluated once,
    -- so the items below map to the same new ids.
    WITH source AS (
        SELECT c.id AS template_checklist_id, pg_catalog.gen_random_uuid() AS new_id, c.name, c.description,
            c.requires_signature
        FROM cmms.checklists AS c
        WHERE c.organization_id = org AND c.template_id = p_template_id AND c.deleted_at IS NULL
    ),

    copied AS (
        INSERT INTO cmms.checklists (organization_id, id, work_order_id, name, description, requires_signature)
        SELECT org, s.new_id, p_work_order_id, s.name, s.description, s.requires_signature
        FROM source AS s
        RETURNING id
    )

    INSERT INTO cmms.checklist_items (organization_id, checklist_id, position, label, item_type, is_required)
    SELECT org, s.new_id, i.position, i.label, i.item_type, i.is_required
    FROM source AS s
    INNER JOIN cmms.checklist_items AS i
        ON i.organization_id = org AND i.checklist_id = s.template_checklist_id AND i.deleted_at IS NULL
    WHERE s.new_id IN (SELECT copied.id FROM copied);

    INSERT INTO cmms.part_reservations (organization_id, work_order_id, part_id, quantity)
    SELECT org, p_work_order_id, tp.part_id, tp.quantity
    FROM cmms.work_order_template_parts AS tp
    INNER JOIN cmms.parts_inventory AS p
        ON p.organization_id = org AND p.id = tp.part_id AND p.deleted_at IS NULL
    WHERE tp.organization_id = org AND tp.template_id = p_template_id AND tp.deleted_at IS NULL;
END;
$function$;

CREATE OR REPLACE FUNCTION cmms.transition_work_order(
    work_order_id uuid,
    new_status text,
    note text DEFAULT NULL::text
)
RETURNS cmms.work_orders
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    org uuid := cmms.require_context();
    current_row cmms.work_orders;
    changed cmms.work_orders;
BEGIN
    PERFORM cmms.require_permission('work_order.transition');
    IF new_status = 'closed' THEN
        PERFORM cmms.require_permission('work_order.close');
    ELSIF new_status = 'cancelled' THEN
        PERFORM cmms.require_permission('work_order.cancel');
    END IF;
    IF new_status IS NULL
        OR NOT new_status = ANY (ARRAY['open', 'in_progress', 'on_hold', 'completed', 'closed', 'cancelled']) THEN
        RAISE EXCEPTION 'cmms.transition_work_order: unknown status %', coalesce(new_status, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                HINT = 'A status is open, in_progress, on_hold, completed, closed or cancelled.';
    END IF;
    SELECT w.* INTO current_row
    FROM cmms.work_orders AS w
    WHERE w.organization_id = org AND w.id = transition_work_order.work_order_id AND w.deleted_at IS NULL
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'cmms.transition_work_order: no work order % in this organization', work_order_id
            USING ERRCODE = 'no_data_found';
    END IF;
    IF current_row.status = new_status THEN
        RAISE EXCEPTION 'work order % cannot go from % to %', current_row.reference, current_row.status, new_status
            USING ERRCODE = 'CM001', HINT = pg_catalog.format('It is already %s.', new_status);
    END IF;
    PERFORM pg_catalog.set_config('cmms.transition_note', coalesce(note, ''), TRUE);
    UPDATE cmms.work_orders AS w
    SET status = new_status
    WHERE w.organization_id = org AND w.id = transition_work_order.work_order_id
    RETURNING w.* INTO changed;
    PERFORM pg_catalog.set_config('cmms.transition_note', '', TRUE);
    RETURN changed;
END;
$function$;

CREATE OR REPLACE FUNCTION cmms.consume_part(work_order_id uuid, part_id uuid, quantity numeric)
RETURNS cmms.part_transactions
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $function$
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
    PERFORM cmms.require_permission('inventory.consume');
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
$function$;

CREATE OR REPLACE FUNCTION cmms.receive_purchase_order(purchase_order_id uuid)
RETURNS SETOF cmms.part_transactions
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $function$
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
    PERFORM cmms.require_permission('purchase_order.receive');

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
$function$;

CREATE OR REPLACE FUNCTION cmms.generate_pm_work_orders(as_of timestamp with time zone DEFAULT now())
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    org uuid := cmms.current_org_id();
    schedule record;
    anchor timestamptz;
    steps bigint;
    due timestamptz;
    next_due timestamptz;
    threshold numeric;
    latest numeric;
    next_threshold numeric;
    new_id uuid;
    created integer := 0;
BEGIN
    IF org IS NULL THEN
        RAISE EXCEPTION 'cmms.generate_pm_work_orders: no tenant context'
            USING ERRCODE = 'insufficient_privilege',
            HINT = 'call cmms.set_context(organization_id, user_id) first, in the same transaction';
    END IF;
    PERFORM cmms.require_permission('pm.generate');
    IF generate_pm_work_orders.as_of IS NULL THEN
        RAISE EXCEPTION 'cmms.generate_pm_work_orders: as_of must not be null'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- Advisory lock class 1347241806 (0x504D474E, 'PMGN') keyed by the organization: one
    -- run per organization at a time, until its transaction ends. The next run's queries
    -- start after it (READ COMMITTED), see the schedules advanced and create nothing again.
    PERFORM pg_catalog.pg_advisory_xact_lock(1347241806, pg_catalog.hashtext(org::text));

    FOR schedule IN
        SELECT
            s.id,
            s.asset_id,
            s.template_id,
            s.trigger_type,
            s.calendar_interval,
            s.meter_id,
            s.meter_interval,
            s.lead_time,
            s.starts_at,
            s.ends_at,
            s.next_due_at,
            s.next_due_meter_value,
            t.title,
            t.description,
            t.instructions,
            t.priority,
            t.work_order_type,
            t.estimated_duration_minutes,
            t.team_id,
            a.location_id
        FROM cmms.pm_schedules AS s
        INNER JOIN cmms.work_order_templates AS t
            ON t.organization_id = s.organization_id AND t.id = s.template_id AND t.deleted_at IS NULL
        INNER JOIN cmms.assets AS a
            ON a.organization_id = s.organization_id AND a.id = s.asset_id AND a.deleted_at IS NULL
        WHERE
            s.organization_id = org AND s.is_active AND s.deleted_at IS NULL
            AND (
                s.trigger_type = 'meter'
                OR coalesce(s.next_due_at, s.starts_at) - s.lead_time <= generate_pm_work_orders.as_of
            )
        ORDER BY s.id
        -- A schedule that someone is editing is left for the next run (and no deadlock with
        -- a transaction that edits a schedule and then creates a work order).
        FOR UPDATE OF s SKIP LOCKED
    LOOP
        due := NULL;
        IF schedule.trigger_type = 'calendar' THEN
            anchor := coalesce(schedule.next_due_at, schedule.starts_at);
            IF schedule.ends_at IS NOT NULL AND anchor >= schedule.ends_at THEN
                CONTINUE;  -- the schedule has ended
            END IF;
            -- The latest due date whose lead time has begun: due dates missed while no run
            -- happened get no work order of their own (one work order, not a backlog).
            -- Estimate the number of steps from the lengths, then correct (months vary).
            steps := greatest(
                0,
                pg_catalog.floor(
                    extract(EPOCH FROM generate_pm_work_orders.as_of + schedule.lead_time - anchor)
                    / extract(EPOCH FROM schedule.calendar_interval)
                )::bigint - 1
            );
            WHILE anchor + (steps + 1) * schedule.calendar_interval - schedule.lead_time
                <= generate_pm_work_orders.as_of LOOP
                steps := steps + 1;
            END LOOP;
            WHILE steps > 0 AND (
                anchor + steps * schedule.calendar_interval - schedule.lead_time > generate_pm_work_orders.as_of
                OR anchor + steps * schedule.calendar_interval >= schedule.ends_at
            ) LOOP
                steps := steps - 1;
            END LOOP;
            due := anchor + steps * schedule.calendar_interval;
            next_due := anchor + (steps + 1) * schedule.calendar_interval;
        ELSE
            threshold := coalesce(schedule.next_due_meter_value, schedule.meter_interval);
            SELECT r.value INTO latest
            FROM cmms.meter_readings AS r
            INNER JOIN cmms.meters AS m
                ON m.organization_id = r.organization_id AND m.id = r.meter_id AND m.deleted_at IS NULL
            WHERE
                r.organization_id = org AND r.meter_id = schedule.meter_id AND r.deleted_at IS NULL
                AND r.read_at <= generate_pm_work_orders.as_of
            ORDER BY r.read_at DESC, r.created_at DESC
            LIMIT 1;
            IF latest IS NULL OR latest < threshold THEN
                CONTINUE;
            END IF;
            -- Due since the first reading that reached the threshold.
            SELECT min(r.read_at) INTO due
            FROM cmms.meter_readings AS r
            WHERE
                r.organization_id = org AND r.meter_id = schedule.meter_id AND r.deleted_at IS NULL
                AND r.read_at <= generate_pm_work_orders.as_of AND r.value >= threshold;
            -- The next multiple of the interval above the latest reading (services missed
            -- between readings get no work order of their own).
            next_threshold := threshold
                + schedule.meter_interval * (pg_catalog.floor((latest - threshold) / schedule.meter_interval) + 1);
        END IF;

        new_id := NULL;
        INSERT INTO cmms.work_orders AS w (
            organization_id, title, description, priority, work_order_type, due_at,
            estimated_duration_minutes, team_id, location_id, template_id, pm_schedule_id, pm_due_at
        )
        VALUES (
            org, schedule.title,
            nullif(concat_ws(E'\n\n', schedule.description, schedule.instructions), ''),
            schedule.priority, schedule.work_order_type, due, schedule.estimated_duration_minutes,
            schedule.team_id, schedule.location_id, schedule.template_id, schedule.id, due
        )
        -- Backstop: one work order per schedule and due date, whoever inserted it.
        ON CONFLICT (organization_id, pm_schedule_id, pm_due_at) WHERE pm_schedule_id IS NOT NULL DO NOTHING
        RETURNING w.id INTO new_id;

        IF new_id IS NOT NULL THEN
            INSERT INTO cmms.work_order_assets (organization_id, work_order_id, asset_id)
            VALUES (org, new_id, schedule.asset_id);
            -- The template's checklists (with items and signature requirement) and parts.
            PERFORM cmms.apply_work_order_template(new_id, schedule.template_id);
            created := created + 1;
        END IF;

        UPDATE cmms.pm_schedules AS s
        SET
            next_due_at = CASE WHEN schedule.trigger_type = 'calendar' THEN next_due ELSE s.next_due_at END,
            next_due_meter_value = CASE
                WHEN schedule.trigger_type = 'meter' THEN next_threshold ELSE s.next_due_meter_value
            END,
            last_generated_at = CASE WHEN new_id IS NOT NULL THEN now() ELSE s.last_generated_at END
        WHERE s.organization_id = org AND s.id = schedule.id;
    END LOOP;

    RETURN created;
END;
$function$;

CREATE OR REPLACE FUNCTION cmms.refresh_dashboard_metrics()
RETURNS SETOF cmms.dashboard_metrics_cache
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    org uuid := cmms.current_org_id();
BEGIN
    IF org IS NULL THEN
        RAISE EXCEPTION 'cmms.refresh_dashboard_metrics: no tenant context'
            USING ERRCODE = 'insufficient_privilege',
            HINT = 'call cmms.set_context(organization_id, user_id) first, in the same transaction';
    END IF;
    PERFORM cmms.require_permission('dashboard.refresh');

    -- Advisory lock class 1145127752 (0x44415348, 'DASH') keyed by the organization: one
    -- refresh at a time, the next one starts from the rows this one committed.
    PERFORM pg_catalog.pg_advisory_xact_lock(1145127752, pg_catalog.hashtext(org::text));

    DELETE FROM cmms.dashboard_metrics_cache AS c
    WHERE c.organization_id = org;

    -- Open work orders: every status x priority cell (zeros included, for a stable shape),
    -- the total of each status, of each priority, and the total ({}).
    INSERT INTO cmms.dashboard_metrics_cache (organization_id, metric, dimensions, value, computed_at)
    SELECT
        org,
        'open_work_orders',
        pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('status', cell.status, 'priority', cell.priority)),
        sum(cell.n),
        now()
    FROM (
        SELECT s.status, p.priority, count(w.id) AS n
        FROM unnest(ARRAY['open', 'in_progress', 'on_hold']) AS s (status)
        CROSS JOIN unnest(ARRAY['low', 'medium', 'high', 'urgent']) AS p (priority)
        LEFT JOIN cmms.work_orders AS w
            ON
                w.organization_id = org AND w.deleted_at IS NULL
                AND w.status = s.status AND w.priority = p.priority
        GROUP BY s.status, p.priority
    ) AS cell
    GROUP BY GROUPING SETS ((cell.status, cell.priority), (cell.status), (cell.priority), ());

    -- Overdue: open work orders past their due date, by priority and in total.
    INSERT INTO cmms.dashboard_metrics_cache (organization_id, metric, dimensions, value, computed_at)
    SELECT
        org,
        'overdue_work_orders',
        pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('priority', cell.priority)),
        sum(cell.n),
        now()
    FROM (
        SELECT p.priority, count(w.id) AS n
        FROM unnest(ARRAY['low', 'medium', 'high', 'urgent']) AS p (priority)
        LEFT JOIN cmms.work_orders AS w
            ON
                w.organization_id = org AND w.deleted_at IS NULL
                AND w.status IN ('open', 'in_progress', 'on_hold') AND w.due_at < now()
                AND w.priority = p.priority
        GROUP BY p.priority
    ) AS cell
    GROUP BY GROUPING SETS ((cell.priority), ());

    -- Mean time to repair: corrective work orders completed in the last 90 days, from
    -- started_at (created_at when never started) to completed_at, in hours. No row when
    -- there is none (no repair is not a zero time).
    INSERT INTO cmms.dashboard_metrics_cache (organization_id, metric, dimensions, value, computed_at)
    SELECT
        org,
        'mean_time_to_repair_hours',
        '{}'::jsonb,
        round(avg(extract(EPOCH FROM w.completed_at - coalesce(w.started_at, w.created_at))) / 3600, 2),
        now()
    FROM cmms.work_orders AS w
    WHERE
        w.organization_id = org AND w.deleted_at IS NULL AND w.work_order_type = 'corrective'
        AND w.status IN ('completed', 'closed') AND w.completed_at >= now() - INTERVAL '90 days'
    HAVING count(*) > 0;

    -- PM compliance: of the preventive work orders due in the last 90 days, the percentage
    -- completed by their due date (cancelled or late ones count against it). No row when
    -- none was due.
    INSERT INTO cmms.dashboard_metrics_cache (organization_id, metric, dimensions, value, computed_at)
    SELECT
        org,
        'pm_compliance_percent',
        '{}'::jsonb,
        round(
            100.0 * count(*) FILTER (
                WHERE w.status IN ('completed', 'closed') AND w.completed_at <= w.due_at
            ) / count(*),
            1
        ),
        now()
    FROM cmms.work_orders AS w
    WHERE
        w.organization_id = org AND w.deleted_at IS NULL AND w.work_order_type = 'preventive'
        AND w.due_at >= now() - INTERVAL '90 days' AND w.due_at < now()
    HAVING count(*) > 0;

    RETURN QUERY
    SELECT c.*
    FROM cmms.dashboard_metrics_cache AS c
    WHERE c.organization_id = org
    ORDER BY c.metric, c.dimensions::text;
END;
$function$;

CREATE OR REPLACE FUNCTION cmms.erase_user(user_id uuid)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    org pg_catalog.uuid := cmms.current_org_id();
    personal CONSTANT pg_catalog.text[] := ARRAY[
        'email', 'full_name', 'phone', 'job_title', 'locale', 'timezone', 'hourly_rate', 'last_login_at',
        'password_hash'
    ];
    signatures pg_catalog.uuid[];
    requests pg_catalog.uuid[];
    sessions_deleted pg_catalog.int4;
    notifications_deleted pg_catalog.int4;
    audit_records pg_catalog.int4;
BEGIN
    IF org IS NULL THEN
        RAISE EXCEPTION 'cmms.erase_user: no tenant context' USING ERRCODE = 'insufficient_privilege',
            HINT = 'call cmms.set_context(organization, user) first';
    END IF;
    PERFORM cmms.require_permission('user.erase');
    PERFORM FROM cmms.users AS u WHERE u.organization_id = org AND u.id = erase_user.user_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'cmms.erase_user: no user % in this organization', erase_user.user_id
            USING ERRCODE = 'no_data_found';
    END IF;
    UPDATE cmms.users AS u SET
        email = 'erased-' || u.id::pg_catalog.text || '@invalid',
        full_name = 'Erased user',
        password_hash = NULL,
        phone = NULL,
        job_title = NULL,
        locale = NULL,
        timezone = NULL,
        hourly_rate = NULL,
        last_login_at = NULL,
        status = 'disabled',
        deleted_at = coalesce(u.deleted_at, pg_catalog.clock_timestamp())
    WHERE u.organization_id = org AND u.id = erase_user.user_id;

    DELETE FROM cmms.user_sessions AS s WHERE s.organization_id = org AND s.user_id = erase_user.user_id;
    GET DIAGNOSTICS sessions_deleted = ROW_COUNT;
    DELETE FROM cmms.notifications AS n WHERE n.organization_id = org AND n.user_id = erase_user.user_id;
    GET DIAGNOSTICS notifications_deleted = ROW_COUNT;

    -- Copies of the person's name and email in the work history.
    WITH changed AS (
        UPDATE cmms.checklist_signatures AS s SET signer_name = 'Erased user'
        WHERE s.organization_id = org AND s.signed_by_user_id = erase_user.user_id
        RETURNING s.id
    )
    SELECT coalesce(pg_catalog.array_agg(changed.id), '{}') INTO signatures FROM changed;
    WITH changed AS (
        UPDATE cmms.work_requests AS r SET requester_name = 'Erased user', requester_email = NULL
        WHERE r.organization_id = org AND r.requester_user_id = erase_user.user_id
        RETURNING r.id
    )
    SELECT coalesce(pg_catalog.array_agg(changed.id), '{}') INTO requests FROM changed;

    -- The audit trail's copies of the same data, the records this erasure just wrote included:
    -- only cmms_audit may change them (cmms.erase_audit_values), and only to "[erased]".
    audit_records := cmms.erase_audit_values('users', ARRAY[erase_user.user_id], personal)
        + cmms.erase_audit_values('checklist_signatures', signatures, ARRAY['signer_name'])
        + cmms.erase_audit_values('work_requests', requests, ARRAY['requester_name', 'requester_email']);

    RETURN pg_catalog.jsonb_build_object(
        'user_id', erase_user.user_id,
        'sessions_deleted', sessions_deleted,
        'notifications_deleted', notifications_deleted,
        'signatures_anonymised', pg_catalog.cardinality(signatures),
        'work_requests_anonymised', pg_catalog.cardinality(requests),
        'audit_records_erased', audit_records
    );
END;
$function$;
