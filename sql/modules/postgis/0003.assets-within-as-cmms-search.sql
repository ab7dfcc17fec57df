-- cmms.assets_within with PostGIS, run as cmms_search again: core migration 0089 made
-- cmms_owner no member of cmms_search and the core function an invoker owned by cmms_owner
-- (which is what postgis/0002 replaced). ST_DWithin is not LEAKPROOF, so under the caller's
-- row-level security it could not use the GiST index of assets.geog: the function runs as
-- cmms_search, whose SELECT policy on assets is USING (true), and filters by the tenant
-- context itself. Same body as 0002, with every type schema-qualified and search_path =
-- pg_catalog, pg_temp. Handing it over takes membership of cmms_search, for this
-- transaction only: the login that applies this module must be able to grant cmms_search
-- (a superuser, or the role that created it).
-- requires-extension: postgis
RESET ROLE;

-- cmmsdb: allow grant-role because the membership lasts this transaction only: revoked at the end
GRANT cmms_search TO cmms_owner;

SET LOCAL ROLE cmms_owner;

DO $do$
DECLARE
    postgis text := (
        SELECT pg_catalog.quote_ident(n.nspname)
        FROM pg_catalog.pg_extension AS e
        INNER JOIN pg_catalog.pg_namespace AS n ON e.extnamespace = n.oid
        WHERE e.extname = 'postgis'
    );
BEGIN
    EXECUTE pg_catalog.replace($function$
CREATE OR REPLACE FUNCTION cmms.assets_within(
    latitude double precision, longitude double precision, radius_m double precision
)
RETURNS TABLE (id uuid, name text, asset_tag text, status text, distance_m double precision)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org pg_catalog.uuid := cmms.current_org_id();
    centre @postgis@.geography;
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
    centre := @postgis@.st_setsrid(
        @postgis@.st_makepoint(assets_within.longitude, assets_within.latitude), 4326
    )::@postgis@.geography;
    RETURN QUERY
    SELECT a.id, a.name, a.asset_tag, a.status, @postgis@.st_distance(a.geog, centre)
    FROM cmms.assets AS a
    WHERE
        a.organization_id = org
        AND a.deleted_at IS NULL
        AND @postgis@.st_dwithin(a.geog, centre, radius_m)
    ORDER BY 5, a.id;
END;
$$
$function$, '@postgis@', postgis);
END;
$do$;

-- Owned by cmms_search, which needs CREATE on the schema for the hand-over only.
GRANT CREATE ON SCHEMA cmms TO cmms_search;

ALTER FUNCTION cmms.assets_within(double precision, double precision, double precision)
OWNER TO cmms_search;

REVOKE CREATE ON SCHEMA cmms FROM cmms_search;

RESET ROLE;

REVOKE cmms_search FROM cmms_owner;
