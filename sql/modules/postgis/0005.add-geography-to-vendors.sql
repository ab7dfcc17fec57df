-- Vendors get the geography(Point, 4326) column and GiST index that 0001 gave assets and
-- locations, generated from the latitude and longitude of core migration 0092, and the
-- soft-delete view shows it (verify rule active-views). Adding a stored generated column
-- rewrites the table under an exclusive lock: vendors are small (one row per vendor).
-- (sqlfluff reads PostGIS's type geography(point, 4326) as keywords: hence the noqa.)
-- requires-extension: postgis

SELECT set_config(
    'search_path',
    (
        SELECT quote_ident(n.nspname)
        FROM pg_catalog.pg_extension AS e
        INNER JOIN pg_catalog.pg_namespace AS n ON e.extnamespace = n.oid
        WHERE e.extname = 'postgis'
    ),
    TRUE
);

SET LOCAL ROLE cmms_owner;

-- cmmsdb: allow adding-field-with-default because a generated column cannot be backfilled;
-- vendors is small (a row per vendor) and this is how postgis/0001 did assets and locations
ALTER TABLE cmms.vendors
ADD COLUMN geog geography(point, 4326) -- noqa: CP01,LT01
GENERATED ALWAYS AS (st_setsrid(st_makepoint(longitude, latitude), 4326)::geography) STORED;

-- cmmsdb: allow require-concurrent-index-creation because the index is on a small table, in the
-- transaction that adds its column
CREATE INDEX vendors_geog_idx ON cmms.vendors USING gist (geog);

COMMENT ON COLUMN cmms.vendors.geog IS
'The vendor as a PostGIS geography point (SRID 4326), generated from longitude and latitude; GiST-indexed.';

SET LOCAL search_path TO DEFAULT;

-- CREATE OR REPLACE VIEW keeps the view's columns in their order and appends geog; options
-- not repeated would be dropped, hence security_invoker again.
DO $$
DECLARE
    columns pg_catalog.text;
BEGIN
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
    INTO columns
    FROM pg_catalog.pg_attribute AS a
    WHERE a.attrelid = 'cmms.active_vendors'::pg_catalog.regclass AND a.attnum > 0 AND NOT a.attisdropped;
    EXECUTE pg_catalog.format(
        'CREATE OR REPLACE VIEW cmms.active_vendors WITH (security_invoker = true) AS'
        ' SELECT %s, geog FROM cmms.vendors WHERE deleted_at IS NULL',
        columns
    );
END;
$$;
