-- Restores the search paths of 0002-0085: empty for the functions that had one, the
-- caller's for those that had none, the extensions' schemas for the earthdistance helpers.
SET LOCAL ROLE cmms_owner;


ALTER FUNCTION cmms.refuse_hierarchy_cycle()
SET search_path = '';

ALTER FUNCTION cmms.assign_purchase_order_number()
SET search_path = '';

ALTER FUNCTION cmms.assign_work_order_number()
SET search_path = '';

ALTER FUNCTION cmms.consume_part(uuid,uuid,numeric)
SET search_path = '';

ALTER FUNCTION cmms.receive_purchase_order(uuid)
SET search_path = '';

ALTER FUNCTION cmms.generate_pm_work_orders(timestamp with time zone)
SET search_path = '';

ALTER FUNCTION cmms.refresh_dashboard_metrics()
SET search_path = '';

ALTER FUNCTION cmms.prefix_tsquery(text)
SET search_path = '';

ALTER FUNCTION cmms.t(text,text)
SET search_path = '';

ALTER FUNCTION cmms.ics_fold(text)
SET search_path = '';

ALTER FUNCTION cmms.calendar_ics(timestamp with time zone,timestamp with time zone)
SET search_path = '';

ALTER FUNCTION cmms.export_user_data(uuid)
SET search_path = '';

ALTER FUNCTION cmms.set_updated_at()
SET search_path = '';

ALTER FUNCTION cmms.refuse_audit_change()
SET search_path = '';

ALTER FUNCTION cmms.work_order_reference(bigint)
RESET search_path;

ALTER FUNCTION cmms.require_context()
RESET search_path;

ALTER FUNCTION cmms.create_work_order(text,text,text,text,timestamp with time zone,uuid,uuid,uuid,uuid[],jsonb,uuid)
RESET search_path;

ALTER FUNCTION cmms.work_order_next_statuses(text)
RESET search_path;

ALTER FUNCTION cmms.work_order_completion_blockers(uuid,uuid)
RESET search_path;

ALTER FUNCTION cmms.check_work_order_transition()
RESET search_path;

ALTER FUNCTION cmms.record_work_order_change()
RESET search_path;

ALTER FUNCTION cmms.transition_work_order(uuid,text,text)
RESET search_path;

ALTER FUNCTION cmms.custom_field_value_problem(text,jsonb,jsonb)
RESET search_path;

ALTER FUNCTION cmms.custom_field_entity_table(text)
RESET search_path;

ALTER FUNCTION cmms.custom_field_entity_is_live(text,uuid,uuid)
RESET search_path;

ALTER FUNCTION cmms.check_custom_field_value()
RESET search_path;

ALTER FUNCTION cmms.missing_required_custom_fields(text,uuid,uuid)
RESET search_path;

ALTER FUNCTION cmms.check_required_custom_fields()
RESET search_path;

ALTER FUNCTION cmms.check_required_custom_field_kept()
RESET search_path;

ALTER FUNCTION cmms.rule_condition_matches(jsonb,jsonb)
RESET search_path;

ALTER FUNCTION cmms.check_rule()
RESET search_path;

ALTER FUNCTION cmms.run_work_order_rules(text,jsonb)
RESET search_path;

ALTER FUNCTION cmms.apply_work_order_rules()
RESET search_path;

ALTER FUNCTION cmms.ics_escape(text)
RESET search_path;

ALTER FUNCTION cmms.is_erasure_of(jsonb,jsonb)
RESET search_path;


-- The extensions' schemas only (cube, earthdistance), wherever they are installed.
DO $$
DECLARE
    extension_path text := (
        SELECT pg_catalog.string_agg(DISTINCT pg_catalog.quote_ident(n.nspname), ', ')
        FROM pg_catalog.pg_extension AS e
        INNER JOIN pg_catalog.pg_namespace AS n ON e.extnamespace = n.oid
        WHERE e.extname IN ('cube', 'earthdistance')
    );
BEGIN
    EXECUTE pg_catalog.format(
        'ALTER FUNCTION cmms.earth_point(double precision, double precision) SET search_path = %s',
        extension_path
    );
    EXECUTE pg_catalog.format(
        'ALTER FUNCTION cmms.earth_distance_m(double precision, double precision, double precision, double precision) '
        'SET search_path = %s',
        extension_path
    );
END;
$$;
