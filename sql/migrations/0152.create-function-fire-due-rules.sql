-- cmms.fire_due_rules(): the work_order.overdue event (issue 16, item 3). Nothing happens
-- at the moment a due date passes, so a scheduler runs this function (cron calling psql,
-- or pg_cron; docs/sql-api-maintenance.md). It finds the open, in-progress and on-hold
-- work orders of every organization whose due_at has passed, and for each enabled rule of
-- work_order.overdue whose condition matches one, records the firing in rule_firings with
-- ON CONFLICT DO NOTHING. Only the firings it inserted run their actions: a rule fires once
-- per work order and due date however often the function runs, and two sessions running it
-- at once fire it once (the second waits on the first's unique key entries, then skips).
-- Actions are those of the other work order events: notify_user and notify_team notify
-- (work_order_overdue), set_priority, assign_user and assign_team change the work order
-- (in rule position order, the last rule winning), which fires work_order.assigned.
--
-- An invoker function that EXECUTE is granted to nobody (like cmms_archive's): it is run
-- by a maintenance login that bypasses row-level security (a superuser, or a BYPASSRLS role
-- that is a member of cmms_owner), across all tenants, and refuses to run otherwise. It is
-- no privilege boundary, so no SECURITY DEFINER: an application login can neither call it
-- nor write rule_firings (0150), so it cannot fire another tenant's rules or forge firings.
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.fire_due_rules()
RETURNS integer
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    fired jsonb;
BEGIN
    IF NOT (SELECT r.rolsuper OR r.rolbypassrls FROM pg_catalog.pg_roles AS r
            WHERE r.rolname = pg_catalog.current_user()) THEN
        RAISE EXCEPTION 'cmms.fire_due_rules must run as a role that bypasses row-level security'
            USING ERRCODE = 'insufficient_privilege',
                HINT = 'run it from cron or pg_cron as a superuser or a BYPASSRLS maintenance role';
    END IF;

    WITH due AS (
        SELECT w.*
        FROM cmms.work_orders AS w
        WHERE w.status IN ('open', 'in_progress', 'on_hold') AND w.deleted_at IS NULL
            AND w.due_at < pg_catalog.now()
    ),

    inserted AS (
        INSERT INTO cmms.rule_firings AS f (organization_id, rule_id, work_order_id, due_at)
        SELECT d.organization_id, r.id, d.id, d.due_at
        FROM due AS d
        JOIN cmms.rules_engine AS r
            ON r.organization_id = d.organization_id AND r.event = 'work_order.overdue'
        WHERE r.enabled AND r.deleted_at IS NULL
            AND cmms.rule_condition_matches(r.condition, pg_catalog.to_jsonb(d))
        ORDER BY d.organization_id, d.id, r.id  -- one lock order for concurrent runs
        ON CONFLICT ON CONSTRAINT rule_firings_organization_id_rule_id_work_order_id_due_at_key DO NOTHING
        RETURNING f.organization_id, f.rule_id, f.work_order_id
    )

    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'organization_id', i.organization_id, 'rule_id', i.rule_id, 'entity_type', 'work_order',
        'entity_id', i.work_order_id, 'label', d.reference, 'body', d.title
    ))
    INTO fired
    FROM inserted AS i
    JOIN due AS d ON d.organization_id = i.organization_id AND d.id = i.work_order_id;

    IF fired IS NULL THEN
        RETURN 0;
    END IF;

    PERFORM cmms.notify_rule_recipients('work_order_overdue', fired);

    UPDATE cmms.work_orders AS w
    SET
        priority = coalesce(c.changes ->> 'priority', w.priority),
        assignee_user_id = coalesce((c.changes ->> 'assignee_user_id')::uuid, w.assignee_user_id),
        team_id = coalesce((c.changes ->> 'team_id')::uuid, w.team_id)
    FROM (
        SELECT
            x.organization_id, x.entity_id,
            pg_catalog.jsonb_object_agg(a.field, a.value ORDER BY r.position, r.created_at, r.id) AS changes
        FROM pg_catalog.jsonb_to_recordset(fired) AS x (organization_id uuid, rule_id uuid, entity_id uuid)
        JOIN cmms.rules_engine AS r ON r.organization_id = x.organization_id AND r.id = x.rule_id
        CROSS JOIN LATERAL (
            SELECT
                CASE r.action_type
                    WHEN 'set_priority' THEN 'priority'
                    WHEN 'assign_user' THEN 'assignee_user_id'
                    ELSE 'team_id'
                END AS field,
                r.action_params -> CASE r.action_type
                    WHEN 'set_priority' THEN 'priority'
                    WHEN 'assign_user' THEN 'user_id'
                    ELSE 'team_id'
                END AS value
        ) AS a
        WHERE r.action_type = 'set_priority'
            OR (r.action_type = 'assign_user' AND cmms.custom_field_entity_is_live(
                'user', r.organization_id, (r.action_params ->> 'user_id')::uuid
            ))
            OR (r.action_type = 'assign_team' AND cmms.custom_field_entity_is_live(
                'team', r.organization_id, (r.action_params ->> 'team_id')::uuid
            ))
        GROUP BY x.organization_id, x.entity_id
    ) AS c
    WHERE w.organization_id = c.organization_id AND w.id = c.entity_id;

    RETURN pg_catalog.jsonb_array_length(fired);
END;
$$;

COMMENT ON FUNCTION cmms.fire_due_rules() IS
'Fires the work_order.overdue rules: for every open, in_progress or on_hold work order of every '
'organization whose due_at has passed, each enabled rule of that event whose condition matches it fires '
'once per work order and due date (recorded in rule_firings; running again, or in two sessions at once, '
'fires nothing twice): notify_user and notify_team notify (work_order_overdue), set_priority, assign_user '
'and assign_team change the work order (rule position order, the last wins). Returns the number of '
'firings. Run on a schedule by a superuser or BYPASSRLS login; anyone else gets SQLSTATE 42501.';

REVOKE ALL ON FUNCTION cmms.fire_due_rules() FROM PUBLIC, cmms_app, cmms_readonly;
