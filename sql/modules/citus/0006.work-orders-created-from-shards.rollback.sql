-- Core migration 0141's cmms.record_work_orders_created() again.
RESET ROLE;

CREATE OR REPLACE FUNCTION cmms.record_work_orders_created()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    actor pg_catalog.uuid := cmms.current_user_id();
    note pg_catalog.text := nullif(pg_catalog.current_setting('cmms.transition_note', TRUE), '');
BEGIN
    INSERT INTO cmms.maintenance_logs (
        organization_id, work_order_id, entry_type, from_status, to_status, message, logged_by_user_id
    )
    SELECT n.organization_id, n.id, 'status_change', NULL, n.status, note, u.id
    FROM new_rows AS n
    LEFT JOIN cmms.users AS u ON u.organization_id = n.organization_id AND u.id = actor;
    INSERT INTO cmms.notifications (
        organization_id, user_id, notification_type, title, body, entity_type, entity_id
    )
    SELECT
        n.organization_id, n.assignee_user_id, 'work_order_assigned',
        pg_catalog.format('%s was assigned to you', n.reference), n.title, 'work_order', n.id
    FROM new_rows AS n
    WHERE n.assignee_user_id IS NOT NULL AND n.assignee_user_id IS DISTINCT FROM actor;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION cmms.record_work_orders_created() IS
'AFTER INSERT ... FOR EACH STATEMENT trigger of work_orders (transition table new_rows): records the '
'initial status of every new work order as a status_change entry of maintenance_logs, with the note of '
'cmms.transition_work_order and the acting user, and notifies each assignee other than the acting user '
'(work_order_assigned); one INSERT each for the whole statement.';

REVOKE ALL ON FUNCTION cmms.record_work_orders_created() FROM cmms_app, cmms_readonly;

DROP TRIGGER work_orders_record_insert ON cmms.work_orders;

CREATE TRIGGER work_orders_record_insert
AFTER INSERT ON cmms.work_orders
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION cmms.record_work_orders_created();

COMMENT ON FUNCTION cmms.record_work_order_change() IS
'AFTER UPDATE trigger of work_orders: records every status change as a status_change entry of '
'maintenance_logs, with the note of cmms.transition_work_order and the acting user; notifies the '
'assignee of a status change (work_order_status_changed) and a new assignee of the assignment '
'(work_order_assigned), unless the assignee is the acting user. Inserts: record_work_orders_created.';

CREATE OR REPLACE FUNCTION cmms.check_required_custom_fields()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    kind text := TG_ARGV[0];
    missing text;
BEGIN
    IF NOT EXISTS (
        SELECT FROM cmms.custom_fields AS f
        WHERE f.organization_id = NEW.organization_id AND f.entity_type = kind AND f.required
            AND f.deleted_at IS NULL
    ) THEN
        RETURN NULL;  -- nothing is required of this entity type in this organization
    END IF;
    IF kind = 'work_order' AND pg_catalog.to_jsonb(NEW) ->> 'pm_schedule_id' IS NOT NULL THEN
        RETURN NULL;  -- generated from a PM schedule: checked at completion
    END IF;
    IF NOT cmms.custom_field_entity_is_live(kind, NEW.organization_id, NEW.id) THEN
        RETURN NULL;  -- deleted again in the same transaction
    END IF;
    missing := cmms.missing_required_custom_fields(kind, NEW.organization_id, NEW.id);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION '% % has no value for required custom field %', kind, NEW.id, missing
            USING ERRCODE = 'CM004',
                HINT = 'Write the values (cmms.custom_field_values) in the transaction that creates the record.';
    END IF;
    RETURN NULL;
END;
$$;
