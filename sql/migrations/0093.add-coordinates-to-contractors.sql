-- Contractors get a location: latitude and longitude (WGS 84 degrees), checked and
-- set together like those of assets and locations. cmms.contractors_within (0096) finds
-- the nearest contractors to an asset.
-- The soft-delete view shows the new columns (verify rule active-views).
SET LOCAL ROLE cmms_owner;

-- cmmsdb: allow constraint-missing-not-valid because the checks are on columns this statement
-- adds, NULL in every row, of a small table (a row per contractor): the scan is short
ALTER TABLE cmms.contractors
ADD COLUMN latitude double precision,
ADD COLUMN longitude double precision,
ADD CONSTRAINT contractors_latitude_check CHECK (latitude BETWEEN -90 AND 90),
ADD CONSTRAINT contractors_longitude_check CHECK (longitude BETWEEN -180 AND 180),
ADD CONSTRAINT contractors_coordinates_check CHECK ((latitude IS NULL) = (longitude IS NULL));

COMMENT ON COLUMN cmms.contractors.latitude IS
'WGS 84 latitude in degrees (-90 to 90) of the contractor''s base; set together with longitude, or neither.';
COMMENT ON COLUMN cmms.contractors.longitude IS
'WGS 84 longitude in degrees (-180 to 180); indexed with latitude for radius search.';

CREATE OR REPLACE VIEW cmms.active_contractors WITH (security_invoker = TRUE) AS
SELECT
    organization_id,
    id,
    name,
    vendor_id,
    trade,
    email,
    phone,
    hourly_rate,
    currency,
    insurance_expires_on,
    is_active,
    created_at,
    updated_at,
    deleted_at,
    created_by,
    updated_by,
    latitude,
    longitude
FROM cmms.contractors
WHERE deleted_at IS NULL;
