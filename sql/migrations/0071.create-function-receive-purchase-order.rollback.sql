-- Drops cmms.receive_purchase_order (and with it its comment and grants).
SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms.receive_purchase_order(uuid);
