-- The SQL-language functions that 0007 rewrote, as the core migrations made them (LANGUAGE
-- sql): the three it was written for, and notify_rule_recipients (core 0151, added since).
RESET ROLE;

CREATE OR REPLACE FUNCTION cmms.has_permission(permission text)
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
    SELECT CASE
        WHEN cmms.current_org_id() IS NULL THEN FALSE
        -- The user's role, with the organization's override for it, else the default.
        WHEN u.role IS NOT NULL THEN coalesce(o.granted, u.role = any(p.default_roles), FALSE)
        -- No user in the context (a system job: cron, a job queue), or an id that is no user
        -- of the organization: what any role may do by default, never permission.manage.
        ELSE coalesce(p.name <> 'permission.manage' AND p.default_roles <> '{}', FALSE)
    END
    FROM (SELECT has_permission.permission AS wanted) AS w
    LEFT JOIN cmms.permissions AS p ON p.name = w.wanted
    LEFT JOIN cmms.users AS u
        ON u.organization_id = cmms.current_org_id() AND u.id = cmms.current_user_id() AND u.deleted_at IS NULL
    LEFT JOIN cmms.role_permission_overrides AS o
        ON o.organization_id = u.organization_id AND o.role = u.role AND o.permission = p.name
        AND o.deleted_at IS NULL
$function$;
CREATE OR REPLACE FUNCTION cmms.missing_required_custom_fields(
    entity_type text, organization_id uuid, entity_id uuid
)
RETURNS text
LANGUAGE sql
STABLE
SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
    SELECT pg_catalog.string_agg(f.key, ', ' ORDER BY f.position, f.key)
    FROM cmms.custom_fields AS f
    WHERE f.organization_id = $2 AND f.entity_type = $1 AND f.required AND f.deleted_at IS NULL
        AND NOT EXISTS (
            SELECT 1 FROM cmms.custom_field_values AS v
            WHERE v.organization_id = f.organization_id AND v.custom_field_id = f.id
                AND v.entity_id = $3 AND v.deleted_at IS NULL
        )
$function$;
CREATE OR REPLACE FUNCTION cmms.work_order_completion_blockers(
    work_order_id uuid, organization_id uuid DEFAULT cmms.current_org_id()
)
RETURNS text[]
LANGUAGE sql
STABLE
SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION cmms.notify_rule_recipients(kind text, firings jsonb)
RETURNS integer
LANGUAGE sql
SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
$function$;
