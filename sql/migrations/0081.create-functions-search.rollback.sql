SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms.search_assets(text, integer);

DROP FUNCTION cmms.search_work_orders(text, integer);

DROP FUNCTION cmms.prefix_tsquery(text);
