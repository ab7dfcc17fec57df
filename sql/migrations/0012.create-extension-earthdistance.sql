-- Distance search without PostGIS: the cube and earthdistance extensions, which ship with
-- PostgreSQL (contrib), and cmms.earth_point(latitude, longitude), the point on the earth's
-- surface that location and asset tables index with GiST to answer "within R metres".
--
-- The extensions are installed into schema cmms_ext unless earthdistance is already
-- installed (wherever it is, it is used as it is). earthdistance is not a trusted
-- extension: installing it takes a superuser; a database where a DBA installed it needs none.
-- requires-extension: cube earthdistance

-- As the login role, whatever ran before in this transaction (psql --single-transaction).
RESET ROLE;

CREATE SCHEMA cmms_ext AUTHORIZATION cmms_owner;

COMMENT ON SCHEMA cmms_ext IS
'Extensions that cmmsdb installed (cube, earthdistance); dropped with them by the rollback of 0012.';

GRANT USAGE ON SCHEMA cmms_ext TO cmms_app, cmms_readonly;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'earthdistance') THEN
        CREATE EXTENSION IF NOT EXISTS cube SCHEMA cmms_ext;
        CREATE EXTENSION earthdistance SCHEMA cmms_ext;
    END IF;
END;
$$;

-- earth_point runs with the search path of the extensions, wherever they are: in
-- PostgreSQL 15, ll_to_earth() calls cube functions unqualified, which fails in an index
-- expression evaluated with a restricted search path (autovacuum, pg_restore, REINDEX).
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

SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.earth_point(latitude double precision, longitude double precision)
RETURNS earth
LANGUAGE sql
IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
RETURN ll_to_earth(latitude, longitude);

SET LOCAL search_path TO DEFAULT;

COMMENT ON FUNCTION cmms.earth_point(double precision, double precision) IS
'The point at this latitude and longitude (degrees) on the earth''s surface, as earthdistance''s earth type: '
'index it with GiST and test it against earth_box(centre, radius_m) to find points within a radius.';
