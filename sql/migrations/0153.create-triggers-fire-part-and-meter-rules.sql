-- The part.below_reorder_point event (issue 16, item 3), fired where stock moves: an AFTER
-- UPDATE ... FOR EACH STATEMENT trigger of parts_inventory compares the transition tables
-- old_rows and new_rows and, in one statement, hands every (part, matching rule) pair to
-- cmms.notify_rule_recipients (rules of other events than work_order.* only notify).
--
-- The event is the crossing, not the state: a part fires when it goes from above its
-- reorder point to at or below it (quantity_on_hand <= reorder_point, the threshold of
-- cmms.consume_part's reorder notice and of parts_inventory_below_reorder_point_idx), whether
-- stock was consumed, adjusted or the reorder point raised; further movements while it stays at
-- or below fire nothing, and it fires again only after stock went back above. Two sessions
-- moving the same part's stock at once queue on its row lock, and the second sees the
-- first's balance as its old row: the crossing, and so the firing, happens once.
--
-- The meter.reading_recorded event, fired where readings are written:
-- an AFTER INSERT ... FOR EACH STATEMENT trigger of meter_readings hands every (reading,
-- matching rule) pair of the statement to cmms.notify_rule_recipients in one statement, so
-- a bulk import of readings costs one rules lookup, not one per row. A rule's condition
-- matches the reading's columns (meter_id, value, source, recorded_by_user_id) and its
-- meter's (asset_id, unit, meter_type, meter_name), by equality as for every rule. Each
-- inserted reading is one event: it fires once, whoever inserts it.
-- cmmsdb: allow multiple-existing-tables because firing the rule events where they happen is
-- one change: a trigger on parts_inventory and one on meter_readings, sharing the notify helper.
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.fire_part_rules()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM cmms.notify_rule_recipients(
        'part_below_reorder_point',
        (
            SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                'organization_id', n.organization_id, 'rule_id', r.id, 'entity_type', 'part',
                'entity_id', n.id, 'label', 'Reorder ' || n.part_number,
                'body', pg_catalog.format(
                    '%s (%s) is at %s %s, at or below its reorder point of %s.',
                    n.name, n.part_number, pg_catalog.trim_scale(n.quantity_on_hand), n.unit,
                    pg_catalog.trim_scale(n.reorder_point)
                )
            ))
            FROM new_rows AS n
            JOIN old_rows AS o ON o.organization_id = n.organization_id AND o.id = n.id
            JOIN cmms.rules_engine AS r
                ON r.organization_id = n.organization_id AND r.event = 'part.below_reorder_point'
            WHERE o.quantity_on_hand > o.reorder_point AND n.quantity_on_hand <= n.reorder_point
                AND n.deleted_at IS NULL AND r.enabled AND r.deleted_at IS NULL
                AND cmms.rule_condition_matches(r.condition, pg_catalog.to_jsonb(n))
        )
    );
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION cmms.fire_part_rules() IS
'AFTER UPDATE ... FOR EACH STATEMENT trigger of parts_inventory (transition tables old_rows, new_rows): '
'fires part.below_reorder_point for every live part whose stock went from above its reorder point to at '
'or below it, running the notify actions of the enabled rules whose condition matches the part (its '
'columns: part_number, category, location_id, preferred_vendor_id, unit...) in one INSERT '
'(cmms.notify_rule_recipients; notification_type part_below_reorder_point).';

REVOKE ALL ON FUNCTION cmms.fire_part_rules() FROM PUBLIC, cmms_app, cmms_readonly;

CREATE TRIGGER parts_inventory_fire_rules
AFTER UPDATE ON cmms.parts_inventory
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION cmms.fire_part_rules();

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
