-- Drops the rule event triggers of parts_inventory and meter_readings and their functions.
-- cmmsdb: allow multiple-existing-tables because it undoes the one change of its forward migration.
SET LOCAL ROLE cmms_owner;

DROP TRIGGER meter_readings_fire_rules ON cmms.meter_readings;

DROP FUNCTION cmms.fire_meter_reading_rules();

DROP TRIGGER parts_inventory_fire_rules ON cmms.parts_inventory;

DROP FUNCTION cmms.fire_part_rules();
