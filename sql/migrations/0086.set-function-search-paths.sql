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


ALTER FUNCTION cmms.refuse_hierarchy_cycle()
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.assign_purchase_order_number()
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.assign_work_order_number()
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.consume_part(uuid,uuid,numeric)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.receive_purchase_order(uuid)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.generate_pm_work_orders(timestamp with time zone)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.refresh_dashboard_metrics()
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.prefix_tsquery(text)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.t(text,text)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.ics_fold(text)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.calendar_ics(timestamp with time zone,timestamp with time zone)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.export_user_data(uuid)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.work_order_reference(bigint)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.require_context()
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.create_work_order(text,text,text,text,timestamp with time zone,uuid,uuid,uuid,uuid[],jsonb,uuid)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.work_order_next_statuses(text)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.work_order_completion_blockers(uuid,uuid)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.check_work_order_transition()
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.record_work_order_change()
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.transition_work_order(uuid,text,text)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.custom_field_value_problem(text,jsonb,jsonb)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.custom_field_entity_table(text)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.custom_field_entity_is_live(text,uuid,uuid)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.check_custom_field_value()
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.missing_required_custom_fields(text,uuid,uuid)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.check_required_custom_fields()
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.check_required_custom_field_kept()
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.rule_condition_matches(jsonb,jsonb)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.check_rule()
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.run_work_order_rules(text,jsonb)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.apply_work_order_rules()
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.ics_escape(text)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.is_erasure_of(jsonb,jsonb)
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.set_updated_at()
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.refuse_audit_change()
SET search_path = pg_catalog, pg_temp;


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
