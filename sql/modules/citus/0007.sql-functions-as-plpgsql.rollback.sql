-- The three SQL-language functions as the core migrations made them (LANGUAGE sql).
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
