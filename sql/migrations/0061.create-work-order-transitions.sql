-- Work order status transitions: which status may follow which, what completion requires
-- (every required checklist item done, the signature of a checklist that needs one, every
-- required custom field filled in), the history of every change in maintenance_logs and a
-- notification to the assignee. Enforced by triggers on cmms.work_orders, so the rule holds
-- whether the application calls cmms.transition_work_order or updates status itself.
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.work_order_next_statuses(from_status text)
RETURNS text[]
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT CASE from_status
        WHEN 'open' THEN ARRAY['in_progress', 'on_hold', 'cancelled']
        WHEN 'in_progress' THEN ARRAY['on_hold', 'completed', 'cancelled']
        WHEN 'on_hold' THEN ARRAY['in_progress', 'cancelled']
        WHEN 'completed' THEN ARRAY['closed', 'in_progress']
        ELSE ARRAY[]::text[]
    END
$$;

COMMENT ON FUNCTION cmms.work_order_next_statuses(text) IS
'The statuses a work order in from_status may move to: open -> in_progress, on_hold, cancelled; '
'in_progress -> on_hold, completed, cancelled; on_hold -> in_progress, cancelled; completed -> closed, '
'in_progress (reopened); closed and cancelled are final (empty array).';

CREATE FUNCTION cmms.work_order_completion_blockers(
    work_order_id uuid, organization_id uuid DEFAULT cmms.current_org_id()
)
RETURNS text[]
LANGUAGE sql
STABLE
AS $$
    SELECT coalesce(pg_catalog.array_agg(b.problem ORDER BY b.sort_key, b.problem), ARRAY[]::text[])
    FROM (
        SELECT
            1 AS sort_key,
            pg_catalog.format('checklist "%s": required item "%s" is not done', c.name, i.label) AS problem
        FROM cmms.checklists AS c
        JOIN cmms.checklist_items AS i ON i.organization_id = c.organization_id AND i.checklist_id = c.id
        WHERE c.organization_id = $2 AND c.work_order_id = $1 AND c.deleted_at IS NULL
            AND i.deleted_at IS NULL AND i.is_required AND NOT i.is_done
        UNION ALL
        SELECT 2, pg_catalog.format('checklist "%s" needs a signature', c.name)
        FROM cmms.checklists AS c
        WHERE c.organization_id = $2 AND c.work_order_id = $1 AND c.deleted_at IS NULL AND c.requires_signature
            AND NOT EXISTS (
                SELECT 1 FROM cmms.checklist_signatures AS s
                WHERE s.organization_id = c.organization_id AND s.checklist_id = c.id AND s.deleted_at IS NULL
            )
        UNION ALL
        SELECT 3, pg_catalog.format('required custom field "%s" has no value', f.key)
        FROM cmms.custom_fields AS f
        WHERE f.organization_id = $2 AND f.entity_type = 'work_order' AND f.required AND f.deleted_at IS NULL
            AND NOT EXISTS (
                SELECT 1 FROM cmms.custom_field_values AS v
                WHERE v.organization_id = f.organization_id AND v.custom_field_id = f.id
                    AND v.entity_id = $1 AND v.deleted_at IS NULL
            )
    ) AS b
$$;

COMMENT ON FUNCTION cmms.work_order_completion_blockers(uuid, uuid) IS
'Why the work order cannot be completed yet, one line per reason (empty when it can): required items '
'not done in its live checklists, checklists that need a signature and have none, required work order '
'custom fields without a value. Reads as the caller (row-level security applies).';

CREATE FUNCTION cmms.check_work_order_transition()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    allowed text[] := cmms.work_order_next_statuses(OLD.status);
    blockers text[];
BEGIN
    IF NOT NEW.status = ANY (allowed) THEN
        RAISE EXCEPTION 'work order % cannot go from % to %', OLD.reference, OLD.status, NEW.status
            USING ERRCODE = 'CM001',
                HINT = CASE
                    WHEN pg_catalog.cardinality(allowed) = 0 THEN pg_catalog.format('%s is a final status.', OLD.status)
                    ELSE pg_catalog.format('From %s it may go to %s.', OLD.status, pg_catalog.array_to_string(allowed, ', '))
                END;
    END IF;
    IF NEW.status = 'completed' THEN
        blockers := cmms.work_order_completion_blockers(NEW.id, NEW.organization_id);
        IF pg_catalog.cardinality(blockers) > 0 THEN
            RAISE EXCEPTION 'work order % cannot be completed: %', OLD.reference, pg_catalog.array_to_string(blockers, '; ')
                USING ERRCODE = 'CM002';
        END IF;
        NEW.completed_at := coalesce(NEW.completed_at, pg_catalog.clock_timestamp());
    ELSIF NEW.status = 'in_progress' THEN
        NEW.started_at := coalesce(NEW.started_at, pg_catalog.clock_timestamp());
        IF OLD.status = 'completed' THEN
            NEW.completed_at := NULL;
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION cmms.check_work_order_transition() IS
'BEFORE UPDATE trigger of work_orders when status changes: refuses a transition that '
'cmms.work_order_next_statuses does not allow (SQLSTATE CM001) and a completion that '
'cmms.work_order_completion_blockers finds blocked (CM002); stamps started_at on the first start, '
'completed_at on completion, and clears completed_at when a completed work order is reopened.';

CREATE FUNCTION cmms.record_work_order_change()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    actor uuid := cmms.current_user_id();
    note text := nullif(pg_catalog.current_setting('cmms.transition_note', TRUE), '');
    previous_status text;
    previous_assignee uuid;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        previous_status := OLD.status;
        previous_assignee := OLD.assignee_user_id;
    END IF;
    IF previous_status IS DISTINCT FROM NEW.status THEN
        INSERT INTO cmms.maintenance_logs (
            organization_id, work_order_id, entry_type, from_status, to_status, message, logged_by_user_id
        )
        SELECT NEW.organization_id, NEW.id, 'status_change', previous_status, NEW.status, note, u.id
        FROM (SELECT 1) AS one
        LEFT JOIN cmms.users AS u ON u.organization_id = NEW.organization_id AND u.id = actor;
        IF TG_OP = 'UPDATE' AND NEW.assignee_user_id IS NOT NULL AND NEW.assignee_user_id IS DISTINCT FROM actor THEN
            INSERT INTO cmms.notifications (
                organization_id, user_id, notification_type, title, body, entity_type, entity_id
            )
            VALUES (
                NEW.organization_id, NEW.assignee_user_id, 'work_order_status_changed',
                pg_catalog.format('%s is now %s (was %s)', NEW.reference, NEW.status, previous_status),
                coalesce(NEW.title || pg_catalog.chr(10) || note, NEW.title), 'work_order', NEW.id
            );
        END IF;
    END IF;
    IF NEW.assignee_user_id IS NOT NULL AND NEW.assignee_user_id IS DISTINCT FROM previous_assignee
        AND NEW.assignee_user_id IS DISTINCT FROM actor THEN
        INSERT INTO cmms.notifications (
            organization_id, user_id, notification_type, title, body, entity_type, entity_id
        )
        VALUES (
            NEW.organization_id, NEW.assignee_user_id, 'work_order_assigned',
            pg_catalog.format('%s was assigned to you', NEW.reference), NEW.title, 'work_order', NEW.id
        );
    END IF;
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION cmms.record_work_order_change() IS
'AFTER INSERT or UPDATE trigger of work_orders: records every status change (and the initial status) '
'as a status_change entry of maintenance_logs, with the note of cmms.transition_work_order and the '
'acting user; notifies the assignee of a status change (work_order_status_changed) and a new assignee '
'of the assignment (work_order_assigned), unless the assignee is the acting user.';

CREATE TRIGGER work_orders_check_transition
BEFORE UPDATE ON cmms.work_orders
FOR EACH ROW
WHEN (old.status IS DISTINCT FROM new.status)
EXECUTE FUNCTION cmms.check_work_order_transition();

CREATE TRIGGER work_orders_record_insert
AFTER INSERT ON cmms.work_orders
FOR EACH ROW EXECUTE FUNCTION cmms.record_work_order_change();

CREATE TRIGGER work_orders_record_change
AFTER UPDATE ON cmms.work_orders
FOR EACH ROW
WHEN (old.status IS DISTINCT FROM new.status OR old.assignee_user_id IS DISTINCT FROM new.assignee_user_id)
EXECUTE FUNCTION cmms.record_work_order_change();

CREATE FUNCTION cmms.transition_work_order(work_order_id uuid, new_status text, note text DEFAULT NULL)
RETURNS cmms.work_orders
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    org uuid := cmms.require_context();
    current_row cmms.work_orders;
    changed cmms.work_orders;
BEGIN
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
$$;

COMMENT ON FUNCTION cmms.transition_work_order(uuid, text, text) IS
'Moves a live work order of the tenant context to new_status and returns the changed row. Allowed '
'transitions: cmms.work_order_next_statuses. Completion needs every required checklist item done, a '
'signature on each checklist that requires one and every required custom field filled in. The change is '
'recorded in maintenance_logs with note as its message, and the assignee is notified. Errors: 42501 '
'without context, 22023 unknown status, P0002 no such work order in the organization, CM001 transition '
'not allowed (message names from and to), CM002 completion blocked (message lists why).';

REVOKE ALL ON FUNCTION cmms.work_order_next_statuses(text) FROM cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.work_order_completion_blockers(uuid, uuid) FROM cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.check_work_order_transition() FROM cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.record_work_order_change() FROM cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.transition_work_order(uuid, text, text) FROM cmms_app, cmms_readonly;

GRANT EXECUTE ON FUNCTION cmms.work_order_next_statuses(text) TO cmms_app, cmms_readonly;
GRANT EXECUTE ON FUNCTION cmms.work_order_completion_blockers(uuid, uuid) TO cmms_app, cmms_readonly;
GRANT EXECUTE ON FUNCTION cmms.transition_work_order(uuid, text, text) TO cmms_app;
