-- Restores the search paths of 0002-0085: empty for the functions that had one, the
-- caller's for those that had none, the extensions' schemas for the earthdistance helpers.
SET LOCAL ROLE cmms_owner;

-- The functions that had an empty search path.
DO $$
DECLARE
    fn pg_catalog.regprocedure;
BEGIN
    FOREACH fn IN ARRAY ARRAY[
        'cmms.refuse_hierarchy_cycle()',
        'cmms.assign_purchase_order_number()',
        'cmms.assign_work_order_number()',
        'cmms.consume_part(uuid,uuid,numeric)',
        'cmms.receive_purchase_order(uuid)',
        'cmms.generate_pm_work_orders(timestamp with time zone)',
        'cmms.refresh_dashboard_metrics()',
        'cmms.prefix_tsquery(text)',
        'cmms.t(text,text)',
        'cmms.ics_fold(text)',
        'cmms.calendar_ics(timestamp with time zone,timestamp with time zone)',
        'cmms.export_user_data(uuid)',
        'cmms.set_updated_at()',
        'cmms.refuse_audit_change()'
    ]::pg_catalog.regprocedure[] LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = %L', fn, '');
    END LOOP;
END;
$$;

-- The functions that had none (the caller's).
DO $$
DECLARE
    fn pg_catalog.regprocedure;
BEGIN
    FOREACH fn IN ARRAY ARRAY[
        'cmms.work_order_reference(bigint)',
        'cmms.require_context()',
        'cmms.create_work_order(text,text,text,text,timestamp with time zone,uuid,uuid,uuid,uuid[],jsonb,uuid)',
        'cmms.work_order_next_statuses(text)',
        'cmms.work_order_completion_blockers(uuid,uuid)',
        'cmms.check_work_order_transition()',
        'cmms.record_work_order_change()',
        'cmms.transition_work_order(uuid,text,text)',
        'cmms.custom_field_value_problem(text,jsonb,jsonb)',
        'cmms.custom_field_entity_table(text)',
        'cmms.custom_field_entity_is_live(text,uuid,uuid)',
        'cmms.check_custom_field_value()',
        'cmms.missing_required_custom_fields(text,uuid,uuid)',
        'cmms.check_required_custom_fields()',
        'cmms.check_required_custom_field_kept()',
        'cmms.rule_condition_matches(jsonb,jsonb)',
        'cmms.check_rule()',
        'cmms.run_work_order_rules(text,jsonb)',
        'cmms.apply_work_order_rules()',
        'cmms.ics_escape(text)',
        'cmms.is_erasure_of(jsonb,jsonb)'
    ]::pg_catalog.regprocedure[] LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s RESET search_path', fn);
    END LOOP;
END;
$$;

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
