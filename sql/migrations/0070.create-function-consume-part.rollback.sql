-- Drops cmms.consume_part (and with it its comment and grants).
SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms.consume_part(uuid, uuid, numeric);
