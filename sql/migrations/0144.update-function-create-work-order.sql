-- Work order templates are instantiated (issue 16, item 1). cmms.apply_work_order_template
-- copies a template's checklists (with their items and signature requirement) as the work
-- order's own and reserves the template's parts (cmms.part_reservations); cmms.create_work_order
-- gains template_id and estimated_duration_minutes: what the caller leaves NULL (title,
-- description, priority, type, estimated duration, team) comes from the template. The old
-- eleven-argument signature is replaced by one with two more trailing parameters, so every
-- existing call (positional or named) still resolves; priority and work_order_type now
-- default to NULL so that a template's values can apply, and to 'medium'/'corrective' without one.
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.apply_work_order_template(p_work_order_id uuid, p_template_id uuid)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org uuid := cmms.require_context();
BEGIN
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
$$;

COMMENT ON FUNCTION cmms.apply_work_order_template(uuid, uuid) IS
'Copies, in the tenant context, the live checklists of a work order template (name, description, '
'requires_signature, and their live items: position, label, type, required) as the work order''s own, '
'and reserves the template''s live parts for it (rows of cmms.part_reservations). Called by '
'create_work_order and generate_pm_work_orders. Errors: 42501 no tenant context; 23503 no such live '
'template or work order in the organization of the context.';

DROP FUNCTION cmms.create_work_order(text, text, text, text, timestamptz, uuid, uuid, uuid, uuid[], jsonb, uuid);

CREATE FUNCTION cmms.create_work_order(
    title text DEFAULT NULL,
    description text DEFAULT NULL,
    priority text DEFAULT NULL,
    work_order_type text DEFAULT NULL,
    due_at timestamptz DEFAULT NULL,
    assignee_user_id uuid DEFAULT NULL,
    team_id uuid DEFAULT NULL,
    location_id uuid DEFAULT NULL,
    asset_ids uuid[] DEFAULT '{}',
    custom_fields jsonb DEFAULT '{}',
    requester_user_id uuid DEFAULT NULL,
    estimated_duration_minutes integer DEFAULT NULL,
    template_id uuid DEFAULT NULL
)
RETURNS cmms.work_orders
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org uuid := cmms.require_context();
    template cmms.work_order_templates;
    created cmms.work_orders;
    unknown text;
BEGIN
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
$$;

COMMENT ON FUNCTION cmms.create_work_order(
    text, text, text, text, timestamptz, uuid, uuid, uuid, uuid[], jsonb, uuid, integer, uuid
) IS
'Creates a work order (status open) in the organization of the tenant context and returns the row, '
'with the organization''s next number (no duplicates under concurrent creation). asset_ids are linked '
'through work_order_assets; custom_fields is a JSON object {key: value} of the organization''s work order '
'custom fields. The requester defaults to the user of the context. With template_id (a live template of the '
'organization), what the caller leaves NULL comes from the template: title, description (its description then '
'instructions), priority, work_order_type, estimated_duration_minutes and team_id; its checklists are copied '
'with their items and signature requirement, and its parts reserved (cmms.apply_work_order_template). Without '
'one, priority defaults to medium and work_order_type to corrective. Errors: 42501 without context, '
'22023 custom_fields not an object, CM003 unknown or invalid custom field value, CM004 a required '
'custom field missing (at commit), 23503 an id (template too) of another organization or of nothing, '
'23502 no title (neither given nor from a template), 23514 a bad priority, type or title.';

REVOKE ALL ON FUNCTION cmms.apply_work_order_template(uuid, uuid) FROM PUBLIC, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.create_work_order(
    text, text, text, text, timestamptz, uuid, uuid, uuid, uuid[], jsonb, uuid, integer, uuid
) FROM PUBLIC, cmms_readonly;

GRANT EXECUTE ON FUNCTION cmms.apply_work_order_template(uuid, uuid) TO cmms_app;
GRANT EXECUTE ON FUNCTION cmms.create_work_order(
    text, text, text, text, timestamptz, uuid, uuid, uuid, uuid[], jsonb, uuid, integer, uuid
) TO cmms_app;
