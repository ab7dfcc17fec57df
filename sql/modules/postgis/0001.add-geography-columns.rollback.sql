-- Drops the geography columns (their indexes go with them), then PostGIS if this module
-- installed it (it is then in cmms_ext); a PostGIS installed elsewhere before is left alone.
SET LOCAL ROLE cmms_owner;

ALTER TABLE cmms.assets DROP COLUMN geog;

ALTER TABLE cmms.locations DROP COLUMN geog;

RESET ROLE;

DO $$
BEGIN
    IF EXISTS (
        SELECT FROM pg_catalog.pg_extension
        WHERE extname = 'postgis' AND extnamespace = 'cmms_ext'::regnamespace
    ) THEN
        DROP EXTENSION postgis;
    END IF;
END;
$$;
