-- A view cannot lose a column in place: drop active_assets and active_locations and make
-- them again with every column but geog, with their comment and grants as before.
SET LOCAL ROLE cmms_owner;

DO $$
DECLARE
    tab pg_catalog.text;
    view_name pg_catalog.text;
    note pg_catalog.text;
    columns pg_catalog.text;
BEGIN
    FOREACH tab IN ARRAY ARRAY['assets', 'locations'] LOOP
        view_name := pg_catalog.format('cmms.%I', 'active_' || tab);
        note := pg_catalog.obj_description(view_name::pg_catalog.regclass, 'pg_class');
        SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
        INTO columns
        FROM pg_catalog.pg_attribute AS a
        WHERE a.attrelid = view_name::pg_catalog.regclass
          AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> 'geog';
        EXECUTE 'DROP VIEW ' || view_name;
        EXECUTE pg_catalog.format(
            'CREATE VIEW %s WITH (security_invoker = true) AS'
            ' SELECT %s FROM cmms.%I WHERE deleted_at IS NULL',
            view_name, columns, tab
        );
        EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', view_name, note);
        EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM cmms_app, cmms_readonly', view_name);
        EXECUTE pg_catalog.format('GRANT SELECT ON %s TO cmms_app, cmms_readonly', view_name);
    END LOOP;
END;
$$;
