-- cmmsdb: allow multiple-existing-tables because the rules engine is one change: triggers on
-- work_orders that read rules_engine, whose rows are checked when written.
SET LOCAL ROLE cmms_owner;

DROP TRIGGER work_orders_rules_on_update ON cmms.work_orders;

DROP TRIGGER work_orders_rules_on_insert ON cmms.work_orders;

DROP FUNCTION cmms.apply_work_order_rules();

DROP FUNCTION cmms.run_work_order_rules(text, jsonb);

DROP TRIGGER rules_engine_check ON cmms.rules_engine;

DROP FUNCTION cmms.check_rule();

DROP FUNCTION cmms.rule_condition_matches(jsonb, jsonb);
