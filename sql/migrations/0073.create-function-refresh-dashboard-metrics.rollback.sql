-- Drops cmms.refresh_dashboard_metrics (and with it its comment and grants).
SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms.refresh_dashboard_metrics();
