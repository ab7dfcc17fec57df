SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms.fire_due_rules();
