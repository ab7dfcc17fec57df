-- The single-server rule-event functions back (core 0151, 0153), under their names.
RESET ROLE;

-- Function DDL after the triggers' in one transaction: one connection per worker; and the
-- triggers allowed in this session too (0009's database setting holds for new sessions).
SELECT set_config('citus.multi_shard_modify_mode', 'sequential', TRUE);
SELECT set_config('citus.enable_unsafe_triggers', 'on', TRUE);

-- In a DO block: a trigger's DDL on a distributed table, sent by the migrator as a
-- prepared statement, is one Citus cannot propagate.
DO $$
BEGIN
    CREATE OR REPLACE TRIGGER parts_inventory_fire_rules
    AFTER UPDATE ON cmms.parts_inventory
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cmms.fire_part_rules_on_one_server();
    CREATE OR REPLACE TRIGGER meter_readings_fire_rules
    AFTER INSERT ON cmms.meter_readings
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cmms.fire_meter_reading_rules_on_one_server();
END;
$$;

DROP FUNCTION cmms.fire_part_rules();

DROP FUNCTION cmms.fire_meter_reading_rules();

DROP FUNCTION cmms.notify_rule_recipients(text, jsonb);

-- cmmsdb: allow renaming-object because the single-server function takes back the name that
-- the Citus form, just dropped, had
ALTER FUNCTION cmms.notify_rule_recipients_on_one_server(text, jsonb) RENAME TO notify_rule_recipients;

-- cmmsdb: allow renaming-object because the single-server function takes back the name that
-- the Citus form, just dropped, had
ALTER FUNCTION cmms.fire_part_rules_on_one_server() RENAME TO fire_part_rules;

-- cmmsdb: allow renaming-object because the single-server function takes back the name that
-- the Citus form, just dropped, had
ALTER FUNCTION cmms.fire_meter_reading_rules_on_one_server() RENAME TO fire_meter_reading_rules;
