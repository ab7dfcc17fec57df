-- PostGIS for location search: locations and assets get a geography(Point, 4326) column,
-- generated from their latitude and longitude, with a GiST index, for ST_DWithin and
-- nearest-first ordering with <->. Applied by `cmmsdb migrate --with postgis` where the
-- server has PostGIS; without it, radius search uses earthdistance (0012).
--
-- PostGIS is installed into cmms_ext unless it is already installed (then it is used where
-- it is). It is not a trusted extension: installing it takes a superuser. Adding a stored
-- generated column rewrites each table under an exclusive lock: apply this in a
-- maintenance window on a large database.
-- (sqlfluff reads PostGIS's type geography(point, 4326) as keywords: hence the noqa.)
-- requires-extension: postgis

-- As the login role, whatever ran before in this transaction (psql --single-transaction).
RESET ROLE;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'postgis') THEN
        CREATE EXTENSION postgis SCHEMA cmms_ext;
    END IF;
END;
$$;

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

ALTER TABLE cmms.locations
ADD COLUMN geog geography(point, 4326) -- noqa: CP01,LT01
GENERATED ALWAYS AS (st_setsrid(st_makepoint(longitude, latitude), 4326)::geography) STORED;

CREATE INDEX locations_geog_idx ON cmms.locations USING gist (geog);

COMMENT ON COLUMN cmms.locations.geog IS
'The location as a PostGIS geography point (SRID 4326), generated from longitude and latitude; GiST-indexed.';

ALTER TABLE cmms.assets
ADD COLUMN geog geography(point, 4326) -- noqa: CP01,LT01
GENERATED ALWAYS AS (st_setsrid(st_makepoint(longitude, latitude), 4326)::geography) STORED;

CREATE INDEX assets_geog_idx ON cmms.assets USING gist (geog);

COMMENT ON COLUMN cmms.assets.geog IS
'The asset as a PostGIS geography point (SRID 4326), generated from longitude and latitude; GiST-indexed.';

SET LOCAL search_path TO DEFAULT;
