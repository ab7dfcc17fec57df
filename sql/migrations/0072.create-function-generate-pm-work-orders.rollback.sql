-- Drops cmms.generate_pm_work_orders (and with it its comment and grants).
SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms.generate_pm_work_orders(timestamptz);
