-- The meter.reading_recorded event (issue 16, item 3), fired where readings are written:
-- an AFTER INSERT ... FOR EACH STATEMENT trigger of meter_readings hands every (reading,
-- matching rule) pair of the statement to cmms.notify_rule_recipients in one statement, so
-- a bulk import of readings costs one rules lookup, not one per row. A rule's condition
-- matches the reading's columns (meter_id, value, source, recorded_by_user_id) and its
-- meter's (asset_id, unit, meter_type, meter_name), by equality as for every rule. Each
-- inserted reading is one event: it fires once, whoever inserts it.
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.fire_meter_reading_rules()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM cmms.notify_rule_recipients(
        'system',
        (
            SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                'organization_id', n.organization_id, 'rule_id', r.id, 'entity_type', 'meter',
                'entity_id', n.meter_id,
                'label', pg_catalog.format('%s %s %s', m.name, pg_catalog.trim_scale(n.value), m.unit),
                'body', pg_catalog.format(
                    '%s read %s %s at %s (%s).', m.name, pg_catalog.trim_scale(n.value), m.unit, n.read_at, n.source
                )
            ))
            FROM new_rows AS n
            JOIN cmms.meters AS m ON m.organization_id = n.organization_id AND m.id = n.meter_id
            JOIN cmms.rules_engine AS r
                ON r.organization_id = n.organization_id AND r.event = 'meter.reading_recorded'
            WHERE n.deleted_at IS NULL AND r.enabled AND r.deleted_at IS NULL
                AND cmms.rule_condition_matches(
                    r.condition,
                    pg_catalog.to_jsonb(n) || pg_catalog.jsonb_build_object(
                        'asset_id', m.asset_id, 'unit', m.unit, 'meter_type', m.meter_type, 'meter_name', m.name
                    )
                )
        )
    );
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION cmms.fire_meter_reading_rules() IS
'AFTER INSERT ... FOR EACH STATEMENT trigger of meter_readings (transition table new_rows): fires '
'meter.reading_recorded for every new reading, running the notify actions of the enabled rules whose '
'condition matches the reading (meter_id, value, source, recorded_by_user_id) and its meter (asset_id, '
'unit, meter_type, meter_name) in one INSERT (cmms.notify_rule_recipients; notification_type system, '
'about the meter).';

REVOKE ALL ON FUNCTION cmms.fire_meter_reading_rules() FROM PUBLIC, cmms_app, cmms_readonly;

CREATE TRIGGER meter_readings_fire_rules
AFTER INSERT ON cmms.meter_readings
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION cmms.fire_meter_reading_rules();
