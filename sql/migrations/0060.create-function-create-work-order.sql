-- cmms.create_work_order: the one call that opens a work order in the tenant context, with
-- the organization's next number (the numbering trigger of 0025), the assets it is about and
-- its custom field values, in one round trip. The rules of 0061-0063 (status history,
-- custom field checks, automation rules) run from triggers, so they hold however a work
-- order is written; this function adds the context check and the one-call convenience.
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.work_order_reference(number bigint)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT 'WO-' || pg_catalog.lpad(number::text, greatest(6, pg_catalog.length(number::text)), '0')
$$;

COMMENT ON FUNCTION cmms.work_order_reference(bigint) IS
'The human-readable reference of a work order number (WO-000123), as the generated column '
'cmms.work_orders.reference makes it; for messages written before the row exists.';

CREATE FUNCTION cmms.require_context()
RETURNS uuid
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    org uuid := cmms.current_org_id();
BEGIN
    IF org IS NULL THEN
        RAISE EXCEPTION 'no tenant context: call cmms.set_context(organization_id, user_id) first'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN org;
END;
$$;

COMMENT ON FUNCTION cmms.require_context() IS
'The organization of the tenant context; raises insufficient_privilege (42501) when none is set, '
'so that an API function fails with a clear message instead of finding no rows.';

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

REVOKE ALL ON FUNCTION cmms.work_order_reference(bigint) FROM cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.require_context() FROM cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.create_work_order(
    text, text, text, text, timestamptz, uuid, uuid, uuid, uuid[], jsonb, uuid
) FROM cmms_app, cmms_readonly;

GRANT EXECUTE ON FUNCTION cmms.work_order_reference(bigint) TO cmms_app, cmms_readonly;
GRANT EXECUTE ON FUNCTION cmms.require_context() TO cmms_app, cmms_readonly;
GRANT EXECUTE ON FUNCTION cmms.create_work_order(
    text, text, text, text, timestamptz, uuid, uuid, uuid, uuid[], jsonb, uuid
) TO cmms_app;
