SET LOCAL ROLE cmms_owner;

DROP TRIGGER meter_readings_fire_rules ON cmms.meter_readings;

DROP FUNCTION cmms.fire_meter_reading_rules();
