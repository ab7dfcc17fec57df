-- Every function of the data layer runs with search_path = pg_catalog, pg_temp: pg_catalog
-- first, so that a built-in type or relation name (uuid, jsonb, text, pg_class) can never
-- resolve to a session's temporary object, and pg_temp explicitly last. An empty search
-- path is not enough: PostgreSQL still searches pg_temp FIRST for types and relations when
-- the path does not name it, so any login (PUBLIC has TEMP on the database) could shadow
-- `jsonb` with a temporary domain whose CHECK runs its own function. Functions without a
-- search path took their caller's, and a trigger or helper called inside a SECURITY DEFINER
-- function runs with the definer's rights: every function is fixed, not only the definers
-- (0087-0089 replace the definer functions and the tenant context functions themselves).
-- The earthdistance helpers keep the extensions' schemas, between pg_catalog and pg_temp.
-- cmmsdb: allow multiple-existing-tables because only functions change (no table is touched).
SET LOCAL ROLE cmms_owner;

-- Every function of schema cmms but the two context readers (0087), the earthdistance
-- helpers (below) and the SECURITY DEFINER functions (0088, 0089).
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
        'cmms.is_erasure_of(jsonb,jsonb)',
        'cmms.set_updated_at()',
        'cmms.refuse_audit_change()'
    ]::pg_catalog.regprocedure[] LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp', fn);
    END LOOP;
END;
$$;

-- The extensions' schemas (cube, earthdistance), wherever they are installed.
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
        'ALTER FUNCTION cmms.earth_point(double precision, double precision) SET search_path = pg_catalog, %s, pg_temp',
        extension_path
    );
    EXECUTE pg_catalog.format(
        'ALTER FUNCTION cmms.earth_distance_m(double precision, double precision, double precision, double precision) '
        'SET search_path = pg_catalog, %s, pg_temp',
        extension_path
    );
END;
$$;
