-- Drops cmms.earth_point, and the extensions only if this migration installed them (they
-- are then in cmms_ext); an earthdistance installed elsewhere before is left alone.
SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms.earth_point(double precision, double precision);

RESET ROLE;

DO $$
BEGIN
    IF EXISTS (
        SELECT FROM pg_catalog.pg_extension
        WHERE extname = 'earthdistance' AND extnamespace = 'cmms_ext'::regnamespace
    ) THEN
        DROP EXTENSION earthdistance;
    END IF;
    IF EXISTS (
        SELECT FROM pg_catalog.pg_extension
        WHERE extname = 'cube' AND extnamespace = 'cmms_ext'::regnamespace
    ) THEN
        DROP EXTENSION cube;
    END IF;
END;
$$;

DROP SCHEMA cmms_ext;
