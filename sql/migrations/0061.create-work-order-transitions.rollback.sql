SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms.transition_work_order(uuid, text, text);

DROP TRIGGER work_orders_record_change ON cmms.work_orders;

DROP TRIGGER work_orders_record_insert ON cmms.work_orders;

DROP TRIGGER work_orders_check_transition ON cmms.work_orders;

DROP FUNCTION cmms.record_work_order_change();

DROP FUNCTION cmms.check_work_order_transition();

DROP FUNCTION cmms.work_order_completion_blockers(uuid, uuid);

DROP FUNCTION cmms.work_order_next_statuses(text);
