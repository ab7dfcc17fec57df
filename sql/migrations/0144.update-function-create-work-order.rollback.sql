-- Restores the eleven-argument cmms.create_work_order of 0060 (search path of 0086) and
-- drops cmms.apply_work_order_template.
SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms.create_work_order(
    text, text, text, text, timestamptz, uuid, uuid, uuid, uuid[], jsonb, uuid, integer, uuid
);

DROP FUNCTION cmms.apply_work_order_template(uuid, uuid);

CREATE FUNCTION cmms.create_work_order(
    title text,
    description text DEFAULT NULL,
    priority text DEFAULT 'medium',
    work_order_type text DEFAULT 'corrective',
    due_at timestamptz DEFAULT NULL,
    assignee_user_id uuid DEFAULT NULL,
    team_id uuid DEFAULT NULL,
    location_id uuid DEFAULT NULL,
    asset_ids uuid[] DEFAULT '{}',
    custom_fields jsonb DEFAULT '{}',
    requester_user_id uuid DEFAULT NULL
)
RETURNS cmms.work_orders
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org uuid := cmms.require_context();
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

    INSERT INTO cmms.work_orders AS w (
        organization_id, title, description, priority, work_order_type, due_at,
        assignee_user_id, team_id, location_id, requester_user_id
    )
    VALUES (
        org, create_work_order.title, create_work_order.description,
        coalesce(create_work_order.priority, 'medium'),
        coalesce(create_work_order.work_order_type, 'corrective'),
        create_work_order.due_at, create_work_order.assignee_user_id, create_work_order.team_id,
        create_work_order.location_id,
        coalesce(create_work_order.requester_user_id, cmms.current_user_id())
    )
    RETURNING w.* INTO created;

    INSERT INTO cmms.work_order_assets (organization_id, work_order_id, asset_id)
    SELECT DISTINCT org, created.id, a.asset_id
    FROM pg_catalog.unnest(create_work_order.asset_ids) AS a (asset_id)
    WHERE a.asset_id IS NOT NULL;

    INSERT INTO cmms.custom_field_values (organization_id, custom_field_id, entity_id, value)
    SELECT org, f.id, created.id, v.value
    FROM pg_catalog.jsonb_each(create_work_order.custom_fields) AS v (key, value)
    JOIN cmms.custom_fields AS f
        ON f.organization_id = org AND f.entity_type = 'work_order' AND f.key = v.key AND f.deleted_at IS NULL;

    RETURN created;
END;
$$;

COMMENT ON FUNCTION cmms.create_work_order(
    text, text, text, text, timestamptz, uuid, uuid, uuid, uuid[], jsonb, uuid
) IS
'Creates a work order (status open) in the organization of the tenant context and returns the row, '
'with the organization''s next number (no duplicates under concurrent creation). asset_ids are linked '
'through work_order_assets; custom_fields is a JSON object {key: value} of the organization''s work order '
'custom fields. The requester defaults to the user of the context. Errors: 42501 without context, '
'22023 custom_fields not an object, CM003 unknown or invalid custom field value, CM004 a required '
'custom field missing (at commit), 23503 an id of another organization or of nothing, 23514 a bad '
'priority, type or title.';

REVOKE ALL ON FUNCTION cmms.create_work_order(
    text, text, text, text, timestamptz, uuid, uuid, uuid, uuid[], jsonb, uuid
) FROM cmms_app, cmms_readonly;

GRANT EXECUTE ON FUNCTION cmms.create_work_order(
    text, text, text, text, timestamptz, uuid, uuid, uuid, uuid[], jsonb, uuid
) TO cmms_app;
