-- The soft-delete views active_assets and active_locations show geog too. A view keeps the
-- columns it had when it was made, so the column postgis/0001 added never reached them
-- (verify rule active-views). CREATE OR REPLACE VIEW keeps the view's columns in their order
-- and appends geog; options not repeated would be dropped, hence security_invoker again.
SET LOCAL ROLE cmms_owner;

DO $$
DECLARE
    tab pg_catalog.text;
    view_name pg_catalog.text;
    columns pg_catalog.text;
BEGIN
    FOREACH tab IN ARRAY ARRAY['assets', 'locations'] LOOP
        view_name := pg_catalog.format('cmms.%I', 'active_' || tab);
        SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
        INTO columns
        FROM pg_catalog.pg_attribute AS a
        WHERE a.attrelid = view_name::pg_catalog.regclass AND a.attnum > 0 AND NOT a.attisdropped;
        EXECUTE pg_catalog.format(
            'CREATE OR REPLACE VIEW %s WITH (security_invoker = true) AS'
            ' SELECT %s, geog FROM cmms.%I WHERE deleted_at IS NULL',
            view_name, columns, tab
        );
    END LOOP;
END;
$$;
