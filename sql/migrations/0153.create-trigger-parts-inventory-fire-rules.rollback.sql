SET LOCAL ROLE cmms_owner;

DROP TRIGGER parts_inventory_fire_rules ON cmms.parts_inventory;

DROP FUNCTION cmms.fire_part_rules();
