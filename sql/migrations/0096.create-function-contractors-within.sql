-- The nearest contractors: the tenant's live, active contractors within R metres of a point,
-- nearest first, with their distance (to send the closest one to a broken asset). Served,
-- like assets_within, by the btree on (organization_id, latitude, longitude) (0095) through
-- a latitude/longitude box that contains the circle, then filtered by earthdistance's
-- great-circle distance. An invoker function, read under the caller's row-level security.
-- cmms.radius_box computes the box once for any such search.
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.radius_box(
    latitude double precision, longitude double precision, radius_m double precision,
    OUT lat_margin double precision, OUT lon_margin double precision
)
LANGUAGE plpgsql
IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- The angle the radius spans on earthdistance's sphere, in radians.
    angle pg_catalog.float8 := radius_m / 6378168.0;
BEGIN
    IF latitude IS NULL OR latitude NOT BETWEEN -90 AND 90 THEN
        RAISE EXCEPTION 'latitude must be between -90 and 90 degrees, not %', latitude
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF longitude IS NULL OR longitude NOT BETWEEN -180 AND 180 THEN
        RAISE EXCEPTION 'longitude must be between -180 and 180 degrees, not %', longitude
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF radius_m IS NULL OR NOT radius_m > 0 OR radius_m > 20000000 THEN
        RAISE EXCEPTION 'radius_m must be more than 0 and at most 20000000 metres, not %', radius_m
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Widened by about a centimetre: the box must contain every point of the circle.
    lat_margin := pg_catalog.degrees(angle) + 1e-7;
    -- The circle's extent in longitude, or every longitude when it reaches a pole.
    IF pg_catalog.abs(latitude) + lat_margin >= 90
        OR pg_catalog.sin(angle) >= pg_catalog.cos(pg_catalog.radians(latitude)) THEN
        lon_margin := 360;
    ELSE
        lon_margin := pg_catalog.degrees(
            pg_catalog.asin(pg_catalog.sin(angle) / pg_catalog.cos(pg_catalog.radians(latitude)))
        ) + 1e-7;
    END IF;
END;
$$;

COMMENT ON FUNCTION cmms.radius_box(double precision, double precision, double precision) IS
'Half the size, in degrees of latitude and of longitude, of a box that contains every point within radius_m metres '
'of (latitude, longitude) on earthdistance''s sphere (lon_margin 360 when the circle reaches a pole). Raises '
'invalid_parameter_value (22023) for coordinates out of range or a radius not in (0, 20000 km].';

CREATE FUNCTION cmms.contractors_within(
    latitude double precision, longitude double precision, radius_m double precision
)
RETURNS TABLE (id uuid, name text, trade text, phone text, distance_m double precision)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- Variables, not a join: the planner sees the box's bounds as parameters of the index scan.
    box record := cmms.radius_box(latitude, longitude, radius_m);
    lat_low pg_catalog.float8 := latitude - box.lat_margin;
    lat_high pg_catalog.float8 := latitude + box.lat_margin;
    lon_low pg_catalog.float8 := longitude - box.lon_margin;
    lon_high pg_catalog.float8 := longitude + box.lon_margin;
BEGIN
    RETURN QUERY
    SELECT c.id, c.name, c.trade, c.phone, d.distance_m
    FROM cmms.contractors AS c
    CROSS JOIN LATERAL (
        SELECT cmms.earth_distance_m(contractors_within.latitude, contractors_within.longitude, c.latitude, c.longitude)
            AS distance_m
    ) AS d
    WHERE
        c.organization_id = cmms.current_org_id()
        AND c.deleted_at IS NULL
        AND c.is_active
        AND c.latitude BETWEEN lat_low AND lat_high
        -- Across the antimeridian the box continues on the other side.
        AND (
            c.longitude BETWEEN lon_low AND lon_high
            OR c.longitude BETWEEN lon_low + 360 AND lon_high + 360
            OR c.longitude BETWEEN lon_low - 360 AND lon_high - 360
        )
        AND d.distance_m <= radius_m
    ORDER BY d.distance_m, c.id;
END;
$$;

COMMENT ON FUNCTION cmms.contractors_within(double precision, double precision, double precision) IS
'The tenant''s live, active contractors within radius_m metres (up to 20000 km) of the point at latitude, longitude '
'(degrees), nearest first, with their distance in metres: a latitude/longitude box (cmms.radius_box) served by '
'contractors_organization_id_latitude_longitude_idx, then earthdistance''s great-circle distance. Runs as the '
'caller, under its row-level security: none without context. Raises 22023 as cmms.radius_box.';

REVOKE EXECUTE ON FUNCTION cmms.contractors_within(double precision, double precision, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cmms.contractors_within(
    double precision, double precision, double precision
) TO cmms_app, cmms_readonly;
