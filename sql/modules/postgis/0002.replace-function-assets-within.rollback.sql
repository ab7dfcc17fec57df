-- Restores the earthdistance version of cmms.assets_within, exactly as 0082 created it; where
-- core migration 0089 is applied (cmms_owner is then no member of cmms_search), with the
-- attributes 0089 gives it: an invoker function with search_path = pg_catalog, pg_temp.
-- (Amended after release, with 0089: a rollback file is not checksummed, and restoring 0082's
-- definer with an empty search path would bring back what 0086-0089 fixed.)
SET LOCAL ROLE cmms_owner;

CREATE OR REPLACE FUNCTION cmms.assets_within(
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

DO $$
BEGIN
    IF NOT pg_catalog.pg_has_role('cmms_owner', 'cmms_search', 'MEMBER') THEN
        ALTER FUNCTION cmms.assets_within(double precision, double precision, double precision) SECURITY INVOKER;
        ALTER FUNCTION cmms.assets_within(double precision, double precision, double precision) SET search_path = pg_catalog, pg_temp;
    END IF;
END;
$$;
