SET LOCAL ROLE cmms_owner;

CREATE OR REPLACE FUNCTION cmms.check_required_custom_fields()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    kind text := TG_ARGV[0];
    missing text;
BEGIN
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

DROP TRIGGER work_orders_record_insert ON cmms.work_orders;

CREATE TRIGGER work_orders_record_insert
AFTER INSERT ON cmms.work_orders
FOR EACH ROW EXECUTE FUNCTION cmms.record_work_order_change();

COMMENT ON FUNCTION cmms.record_work_order_change() IS
'AFTER INSERT or UPDATE trigger of work_orders: records every status change (and the initial status) '
'as a status_change entry of maintenance_logs, with the note of cmms.transition_work_order and the '
'acting user; notifies the assignee of a status change (work_order_status_changed) and a new assignee '
'of the assignment (work_order_assigned), unless the assignee is the acting user.';

DROP FUNCTION cmms.record_work_orders_created();
