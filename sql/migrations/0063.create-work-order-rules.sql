-- Rules engine for work orders: when a work order is created, changes status or is
-- assigned, the organization's enabled rules for that event (cmms.rules_engine) whose
-- condition matches the work order run their action, in position order, in the database:
-- notify a user or a team, set the priority, assign a user or a team. Conditions are a
-- small JSON language (see cmms.rule_condition_matches); rules are checked when written.
-- cmmsdb: allow multiple-existing-tables because the rules engine is one change: triggers on
-- work_orders that read rules_engine, whose rows are checked when written.
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.rule_condition_matches(condition jsonb, subject jsonb)
RETURNS boolean
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT coalesce(pg_catalog.bool_and(
        CASE pg_catalog.jsonb_typeof(c.value)
            WHEN 'array' THEN c.value @> pg_catalog.jsonb_build_array(coalesce(subject -> c.key, 'null'::jsonb))
            ELSE coalesce(subject -> c.key, 'null'::jsonb) = c.value
        END
    ), TRUE)
    FROM pg_catalog.jsonb_each(condition) AS c (key, value)
$$;

COMMENT ON FUNCTION cmms.rule_condition_matches(jsonb, jsonb) IS
'Whether a rule condition matches subject (a work order as JSON, plus previous_status on a status change). '
'The condition is a JSON object; every key must match (AND): a scalar value matches when the subject''s '
'field equals it (null matches an empty field), an array when the field equals one of its items (OR). '
'The empty object matches everything. Example: {"priority": ["high", "urgent"], "work_order_type": "corrective"}.';

CREATE FUNCTION cmms.check_rule()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    condition_keys constant text[] := ARRAY[
        'status', 'previous_status', 'priority', 'work_order_type', 'assignee_user_id', 'team_id',
        'location_id', 'requester_user_id', 'template_id', 'pm_schedule_id'
    ];
    allowed_params text[];
    bad text;
    id_text text;
BEGIN
    IF pg_catalog.jsonb_typeof(NEW.condition) IS DISTINCT FROM 'object'
        OR pg_catalog.jsonb_typeof(NEW.action_params) IS DISTINCT FROM 'object'
        OR NEW.action_type NOT IN ('notify_user', 'notify_team', 'set_priority', 'assign_user', 'assign_team') THEN
        RETURN NEW;  -- the table's CHECK constraints refuse it
    END IF;
    IF NEW.event LIKE 'work_order.%' THEN
        SELECT pg_catalog.string_agg(c.key, ', ' ORDER BY c.key) INTO bad
        FROM pg_catalog.jsonb_each(NEW.condition) AS c (key, value)
        WHERE NOT c.key = ANY (condition_keys)
            OR pg_catalog.jsonb_typeof(c.value) = 'object'
            OR (pg_catalog.jsonb_typeof(c.value) = 'array' AND EXISTS (
                SELECT 1 FROM pg_catalog.jsonb_array_elements(c.value) AS e (item)
                WHERE pg_catalog.jsonb_typeof(e.item) IN ('object', 'array')
            ));
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'rule %: condition key % is not a work order field or its value is not a scalar or an array of scalars',
                NEW.name, bad
                USING ERRCODE = 'CM005',
                    HINT = 'Condition keys: ' || pg_catalog.array_to_string(condition_keys, ', ') || '.';
        END IF;
    ELSIF NEW.action_type NOT IN ('notify_user', 'notify_team') THEN
        RAISE EXCEPTION 'rule %: % applies only to work order events, not %', NEW.name, NEW.action_type, NEW.event
            USING ERRCODE = 'CM005';
    END IF;

    allowed_params := CASE NEW.action_type
        WHEN 'notify_user' THEN ARRAY['user_id', 'title']
        WHEN 'notify_team' THEN ARRAY['team_id', 'title']
        WHEN 'set_priority' THEN ARRAY['priority']
        WHEN 'assign_user' THEN ARRAY['user_id']
        ELSE ARRAY['team_id']
    END;
    SELECT pg_catalog.string_agg(k.key, ', ' ORDER BY k.key) INTO bad
    FROM pg_catalog.jsonb_object_keys(NEW.action_params) AS k (key)
    WHERE NOT k.key = ANY (allowed_params);
    IF bad IS NOT NULL OR NOT NEW.action_params ?& allowed_params[1:1] THEN
        RAISE EXCEPTION 'rule %: % takes the parameters % (required: %), not %',
            NEW.name, NEW.action_type, pg_catalog.array_to_string(allowed_params, ', '), allowed_params[1],
            NEW.action_params
            USING ERRCODE = 'CM005';
    END IF;
    IF NEW.action_type = 'set_priority' THEN
        IF NOT coalesce(NEW.action_params ->> 'priority' IN ('low', 'medium', 'high', 'urgent'), FALSE) THEN
            RAISE EXCEPTION 'rule %: priority % is not low, medium, high or urgent', NEW.name, NEW.action_params -> 'priority'
                USING ERRCODE = 'CM005';
        END IF;
        RETURN NEW;
    END IF;
    id_text := NEW.action_params ->> allowed_params[1];
    IF id_text IS NULL OR id_text !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
        RAISE EXCEPTION 'rule %: % must be a uuid, not %', NEW.name, allowed_params[1], NEW.action_params -> allowed_params[1]
            USING ERRCODE = 'CM005';
    END IF;
    IF NOT cmms.custom_field_entity_is_live(
        CASE allowed_params[1] WHEN 'user_id' THEN 'user' ELSE 'team' END, NEW.organization_id, id_text::uuid
    ) THEN
        RAISE EXCEPTION 'rule %: no live % % in this organization', NEW.name,
            CASE allowed_params[1] WHEN 'user_id' THEN 'user' ELSE 'team' END, id_text
            USING ERRCODE = 'CM005';
    END IF;
    NEW.action_params := NEW.action_params || pg_catalog.jsonb_build_object(allowed_params[1], id_text::uuid);
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION cmms.check_rule() IS
'BEFORE INSERT or UPDATE trigger of rules_engine: a work order rule''s condition uses only work order '
'fields (status, previous_status, priority, work_order_type, assignee_user_id, team_id, location_id, '
'requester_user_id, template_id, pm_schedule_id) with scalar or array values; action_params are exactly '
'those of the action (notify_user: user_id [, title]; notify_team: team_id [, title]; set_priority: '
'priority; assign_user: user_id; assign_team: team_id), naming a live user or team of the same '
'organization (stored lower-case); other events take only notify actions. Otherwise SQLSTATE CM005.';

CREATE TRIGGER rules_engine_check
BEFORE INSERT OR UPDATE ON cmms.rules_engine
FOR EACH ROW EXECUTE FUNCTION cmms.check_rule();

CREATE FUNCTION cmms.run_work_order_rules(event text, work_order jsonb)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    org uuid := (work_order ->> 'organization_id')::uuid;
    subject jsonb := work_order;
    changes jsonb := '{}'::jsonb;
    rule record;
    recipient uuid;
    kind text := CASE event
        WHEN 'work_order.status_changed' THEN 'work_order_status_changed'
        WHEN 'work_order.assigned' THEN 'work_order_assigned'
        WHEN 'work_order.overdue' THEN 'work_order_overdue'
        ELSE 'system'
    END;
    reference text := cmms.work_order_reference((work_order ->> 'number')::bigint);
BEGIN
    FOR rule IN
        SELECT r.name, r.condition, r.action_type, r.action_params
        FROM cmms.rules_engine AS r
        WHERE r.organization_id = org AND r.event = run_work_order_rules.event AND r.enabled AND r.deleted_at IS NULL
        ORDER BY r.position, r.created_at, r.id
    LOOP
        CONTINUE WHEN NOT cmms.rule_condition_matches(rule.condition, subject);
        IF rule.action_type = 'set_priority' THEN
            changes := changes || pg_catalog.jsonb_build_object('priority', rule.action_params -> 'priority');
        ELSIF rule.action_type IN ('assign_user', 'notify_user') THEN
            recipient := (rule.action_params ->> 'user_id')::uuid;
            CONTINUE WHEN NOT cmms.custom_field_entity_is_live('user', org, recipient);
            IF rule.action_type = 'assign_user' THEN
                changes := changes || pg_catalog.jsonb_build_object('assignee_user_id', recipient);
            ELSE
                INSERT INTO cmms.notifications (
                    organization_id, user_id, notification_type, title, body, entity_type, entity_id
                )
                VALUES (
                    org, recipient, kind,
                    pg_catalog.left(coalesce(rule.action_params ->> 'title', reference || ': ' || rule.name), 200),
                    subject ->> 'title', 'work_order', (subject ->> 'id')::uuid
                );
            END IF;
        ELSIF rule.action_type = 'assign_team' THEN
            CONTINUE WHEN NOT cmms.custom_field_entity_is_live('team', org, (rule.action_params ->> 'team_id')::uuid);
            changes := changes || pg_catalog.jsonb_build_object('team_id', rule.action_params -> 'team_id');
        ELSE
            INSERT INTO cmms.notifications (
                organization_id, user_id, notification_type, title, body, entity_type, entity_id
            )
            SELECT DISTINCT
                org, m.user_id, kind,
                pg_catalog.left(coalesce(rule.action_params ->> 'title', reference || ': ' || rule.name), 200),
                subject ->> 'title', 'work_order', (subject ->> 'id')::uuid
            FROM cmms.team_members AS m
            JOIN cmms.users AS u ON u.organization_id = m.organization_id AND u.id = m.user_id
            WHERE m.organization_id = org AND m.team_id = (rule.action_params ->> 'team_id')::uuid
                AND m.deleted_at IS NULL AND u.deleted_at IS NULL;
        END IF;
        subject := subject || changes;
    END LOOP;
    RETURN changes;
END;
$$;

COMMENT ON FUNCTION cmms.run_work_order_rules(text, jsonb) IS
'Runs the enabled live rules of the work order''s organization for event, in position order: each rule '
'whose condition matches the work order (as changed by the rules before it) notifies (notifications '
'rows) or returns its change. Returns the changes as a JSON object (priority, assignee_user_id, team_id) '
'for the calling trigger to apply. A rule naming a user or team that is gone is skipped.';

CREATE FUNCTION cmms.apply_work_order_rules()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    changes jsonb;
    previous jsonb := '{}'::jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        changes := cmms.run_work_order_rules('work_order.created', pg_catalog.to_jsonb(NEW));
        NEW := pg_catalog.jsonb_populate_record(NEW, changes);
    ELSE
        previous := pg_catalog.jsonb_build_object('previous_status', OLD.status);
        IF OLD.status IS DISTINCT FROM NEW.status THEN
            changes := cmms.run_work_order_rules('work_order.status_changed', pg_catalog.to_jsonb(NEW) || previous);
            NEW := pg_catalog.jsonb_populate_record(NEW, changes);
        END IF;
    END IF;
    IF (NEW.assignee_user_id IS NOT NULL OR NEW.team_id IS NOT NULL)
        AND (TG_OP = 'INSERT' OR NEW.assignee_user_id IS DISTINCT FROM OLD.assignee_user_id
            OR NEW.team_id IS DISTINCT FROM OLD.team_id) THEN
        changes := cmms.run_work_order_rules('work_order.assigned', pg_catalog.to_jsonb(NEW) || previous);
        NEW := pg_catalog.jsonb_populate_record(NEW, changes);
    END IF;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION cmms.apply_work_order_rules() IS
'BEFORE INSERT or UPDATE trigger of work_orders: runs the rules of work_order.created (insert), '
'work_order.status_changed (status changed) and then work_order.assigned (assignee or team set or '
'changed, including by an earlier rule), applying their changes to the row being written. Each event''s '
'rules run once per write: a rule''s change never triggers the same event again.';

CREATE TRIGGER work_orders_rules_on_insert
BEFORE INSERT ON cmms.work_orders
FOR EACH ROW EXECUTE FUNCTION cmms.apply_work_order_rules();

CREATE TRIGGER work_orders_rules_on_update
BEFORE UPDATE ON cmms.work_orders
FOR EACH ROW
WHEN (
    old.status IS DISTINCT FROM new.status
    OR old.assignee_user_id IS DISTINCT FROM new.assignee_user_id
    OR old.team_id IS DISTINCT FROM new.team_id
)
EXECUTE FUNCTION cmms.apply_work_order_rules();

REVOKE ALL ON FUNCTION cmms.rule_condition_matches(jsonb, jsonb) FROM cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.check_rule() FROM cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.run_work_order_rules(text, jsonb) FROM cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.apply_work_order_rules() FROM cmms_app, cmms_readonly;

GRANT EXECUTE ON FUNCTION cmms.rule_condition_matches(jsonb, jsonb) TO cmms_app, cmms_readonly;
GRANT EXECUTE ON FUNCTION cmms.run_work_order_rules(text, jsonb) TO cmms_app;
