-- Radius search: the tenant's assets within R metres of a point, nearest first, with their
-- distance. Served by the btree on (organization_id, latitude, longitude) of 0053 through a
-- latitude/longitude box that contains the circle, then filtered by earthdistance's
-- great-circle distance (a sphere of 6378168 m, earthdistance's earth()). It runs as
-- cmms_search (0080) like the text search, so that the postgis module can replace it
-- (postgis/0002) with an ST_DWithin version served by the GiST index of assets.geog.
SET LOCAL ROLE cmms_owner;

-- earth_distance_m runs with the search path of the extensions, wherever they are (as
-- cmms.earth_point of 0012 does).
SELECT set_config(
    'search_path',
    (
        SELECT string_agg(DISTINCT quote_ident(n.nspname), ', ')
        FROM pg_catalog.pg_extension AS e
        INNER JOIN pg_catalog.pg_namespace AS n ON e.extnamespace = n.oid
        WHERE e.extname IN ('cube', 'earthdistance')
    ),
    TRUE
);

CREATE FUNCTION cmms.earth_distance_m(
    latitude1 double precision, longitude1 double precision,
    latitude2 double precision, longitude2 double precision
)
RETURNS double precision
LANGUAGE sql
IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
RETURN earth_distance(ll_to_earth(latitude1, longitude1), ll_to_earth(latitude2, longitude2));

SET LOCAL search_path TO DEFAULT;

COMMENT ON FUNCTION cmms.earth_distance_m(double precision, double precision, double precision, double precision) IS
'Great-circle distance in metres between two points given in degrees (latitude, longitude), by earthdistance '
'(a sphere of radius earth() = 6378168 m).';

CREATE FUNCTION cmms.assets_within(
    latitude double precision, longitude double precision, radius_m double precision
)
RETURNS TABLE (id uuid, name text, asset_tag text, status text, distance_m double precision)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    org uuid := cmms.current_org_id();
    -- The angle the radius spans on earthdistance's sphere, in radians.
    angle double precision := radius_m / 6378168.0;
    -- Widened by about a centimetre: the box must contain every point of the circle.
    lat_margin double precision := pg_catalog.degrees(angle) + 1e-7;
    lon_margin double precision;
BEGIN
    IF latitude IS NULL OR latitude NOT BETWEEN -90 AND 90 THEN
        RAISE EXCEPTION 'cmms.assets_within: latitude must be between -90 and 90 degrees, not %', latitude
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF longitude IS NULL OR longitude NOT BETWEEN -180 AND 180 THEN
        RAISE EXCEPTION 'cmms.assets_within: longitude must be between -180 and 180 degrees, not %', longitude
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF radius_m IS NULL OR NOT radius_m > 0 OR radius_m > 20000000 THEN
        RAISE EXCEPTION 'cmms.assets_within: radius_m must be more than 0 and at most 20000000 metres, not %', radius_m
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF org IS NULL THEN
        RETURN;
    END IF;
    -- The circle's extent in longitude, or every longitude when it reaches a pole.
    IF pg_catalog.abs(latitude) + lat_margin >= 90
        OR pg_catalog.sin(angle) >= pg_catalog.cos(pg_catalog.radians(latitude)) THEN
        lon_margin := 360;
    ELSE
        lon_margin := pg_catalog.degrees(
            pg_catalog.asin(pg_catalog.sin(angle) / pg_catalog.cos(pg_catalog.radians(latitude)))
        ) + 1e-7;
    END IF;
    RETURN QUERY
    SELECT a.id, a.name, a.asset_tag, a.status, d.distance_m
    FROM cmms.assets AS a
    CROSS JOIN LATERAL (
        SELECT cmms.earth_distance_m(assets_within.latitude, assets_within.longitude, a.latitude, a.longitude)
            AS distance_m
    ) AS d
    WHERE
        a.organization_id = org
        AND a.deleted_at IS NULL
        AND a.latitude BETWEEN assets_within.latitude - lat_margin AND assets_within.latitude + lat_margin
        -- Across the antimeridian the box continues on the other side.
        AND (
            a.longitude BETWEEN assets_within.longitude - lon_margin AND assets_within.longitude + lon_margin
            OR a.longitude BETWEEN assets_within.longitude - lon_margin + 360
            AND assets_within.longitude + lon_margin + 360
            OR a.longitude BETWEEN assets_within.longitude - lon_margin - 360
            AND assets_within.longitude + lon_margin - 360
        )
        AND d.distance_m <= radius_m
    ORDER BY d.distance_m, a.id;
END;
$$;

COMMENT ON FUNCTION cmms.assets_within(double precision, double precision, double precision) IS
'The tenant''s live assets within radius_m metres (up to 20000 km) of the point at latitude, longitude (degrees), '
'nearest first, with their distance in metres. Core: a latitude/longitude box served by '
'assets_organization_id_latitude_longitude_idx, then earthdistance''s great-circle distance; with the postgis '
'module: ST_DWithin on assets.geog (GiST), distances on the WGS 84 spheroid. Runs as cmms_search; reads only the '
'rows of cmms.current_org_id() (none without context).';

GRANT EXECUTE ON FUNCTION cmms.earth_distance_m(
    double precision, double precision, double precision, double precision
) TO cmms_search;

-- Owned by cmms_search, which needs CREATE on the schema for the hand-over only.
GRANT CREATE ON SCHEMA cmms TO cmms_search;

ALTER FUNCTION cmms.assets_within(double precision, double precision, double precision) OWNER TO cmms_search;

REVOKE CREATE ON SCHEMA cmms FROM cmms_search;

REVOKE EXECUTE ON FUNCTION cmms.assets_within(double precision, double precision, double precision) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION cmms.assets_within(
    double precision, double precision, double precision
) TO cmms_app, cmms_readonly;
