SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms.create_work_order(text, text, text, text, timestamptz, uuid, uuid, uuid, uuid[], jsonb, uuid);

DROP FUNCTION cmms.require_context();

DROP FUNCTION cmms.work_order_reference(bigint);
