SET LOCAL ROLE cmms_owner;

ALTER FUNCTION cmms.record_work_orders_created() RESET plan_cache_mode;
