-- A view cannot lose a column in place: active_vendors is made again without geog, with its
-- comment and grants as before; then the column goes (its index with it).
SET LOCAL ROLE cmms_owner;

DO $$
DECLARE
    note pg_catalog.text := pg_catalog.obj_description('cmms.active_vendors'::pg_catalog.regclass, 'pg_class');
    columns pg_catalog.text;
BEGIN
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
    INTO columns
    FROM pg_catalog.pg_attribute AS a
    WHERE a.attrelid = 'cmms.active_vendors'::pg_catalog.regclass
      AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> 'geog';
    DROP VIEW cmms.active_vendors;
    EXECUTE pg_catalog.format(
        'CREATE VIEW cmms.active_vendors WITH (security_invoker = true) AS'
        ' SELECT %s FROM cmms.vendors WHERE deleted_at IS NULL',
        columns
    );
    EXECUTE pg_catalog.format('COMMENT ON VIEW cmms.active_vendors IS %L', note);
    REVOKE ALL ON cmms.active_vendors FROM cmms_app, cmms_readonly;
    GRANT SELECT ON cmms.active_vendors TO cmms_app, cmms_readonly;
END;
$$;

ALTER TABLE cmms.vendors DROP COLUMN geog;
