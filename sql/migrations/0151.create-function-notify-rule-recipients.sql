-- The notify actions of fired rules, for a whole set of firings at once (issue 16, item 3):
-- the part.below_reorder_point and meter.reading_recorded triggers (0153) and
-- cmms.fire_due_rules (0152) each collect what fired in one statement and hand it here as
-- a JSON array; one INSERT writes the notifications of every notify_user and notify_team
-- rule among them, as cmms.run_work_order_rules does one rule at a time for the other
-- work order events (same title: the rule's title, or the subject and the rule's name).
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.notify_rule_recipients(kind text, firings jsonb)
RETURNS integer
LANGUAGE sql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH fired AS (
        SELECT
            x.organization_id, x.entity_type, x.entity_id, x.label, x.body,
            r.name, r.action_type, r.action_params
        FROM pg_catalog.jsonb_to_recordset(coalesce(firings, '[]'::jsonb)) AS x (
            organization_id uuid, rule_id uuid, entity_type text, entity_id uuid, label text, body text
        )
        JOIN cmms.rules_engine AS r ON r.organization_id = x.organization_id AND r.id = x.rule_id
        WHERE r.action_type IN ('notify_user', 'notify_team')
    ),

    recipients AS (
        SELECT f.*, u.id AS user_id
        FROM fired AS f
        JOIN cmms.users AS u
            ON u.organization_id = f.organization_id AND u.id = (f.action_params ->> 'user_id')::uuid
        WHERE f.action_type = 'notify_user' AND u.deleted_at IS NULL
        UNION
        SELECT f.*, u.id AS user_id
        FROM fired AS f
        JOIN cmms.team_members AS m
            ON m.organization_id = f.organization_id AND m.team_id = (f.action_params ->> 'team_id')::uuid
        JOIN cmms.users AS u ON u.organization_id = m.organization_id AND u.id = m.user_id
        WHERE f.action_type = 'notify_team' AND m.deleted_at IS NULL AND u.deleted_at IS NULL
    ),

    sent AS (
        INSERT INTO cmms.notifications (
            organization_id, user_id, notification_type, title, body, entity_type, entity_id
        )
        SELECT
            r.organization_id, r.user_id, kind,
            pg_catalog.left(coalesce(r.action_params ->> 'title', r.label || ': ' || r.name), 200),
            r.body, r.entity_type, r.entity_id
        FROM recipients AS r
        RETURNING 1
    )

    SELECT pg_catalog.count(*)::integer FROM sent
$$;

COMMENT ON FUNCTION cmms.notify_rule_recipients(text, jsonb) IS
'Runs the notify actions of fired rules in one INSERT: firings is a JSON array of objects '
'{organization_id, rule_id, entity_type, entity_id, label, body}; each notify_user rule among them notifies '
'its user, each notify_team rule every member of its team (live users only), with notification_type kind, '
'the rule''s title or "label: rule name", body and the entity. Other actions are the caller''s. Runs '
'under the caller''s row-level security. Returns the number of notifications written.';

REVOKE ALL ON FUNCTION cmms.notify_rule_recipients(text, jsonb) FROM PUBLIC, cmms_app, cmms_readonly;

GRANT EXECUTE ON FUNCTION cmms.notify_rule_recipients(text, jsonb) TO cmms_app;
