-- Vendors get a location: latitude and longitude (WGS 84 degrees), checked and
-- set together like those of assets and locations. Ordering desks and depots are found by distance like assets (0096).
-- The soft-delete view shows the new columns (verify rule active-views).
SET LOCAL ROLE cmms_owner;

-- cmmsdb: allow constraint-missing-not-valid because the checks are on columns this statement
-- adds, NULL in every row, of a small table (a row per vendor): the scan is short
ALTER TABLE cmms.vendors
ADD COLUMN latitude double precision,
ADD COLUMN longitude double precision,
ADD CONSTRAINT vendors_latitude_check CHECK (latitude BETWEEN -90 AND 90),
ADD CONSTRAINT vendors_longitude_check CHECK (longitude BETWEEN -180 AND 180),
ADD CONSTRAINT vendors_coordinates_check CHECK ((latitude IS NULL) = (longitude IS NULL));

COMMENT ON COLUMN cmms.vendors.latitude IS
'WGS 84 latitude in degrees (-90 to 90) of the vendor''s base; set together with longitude, or neither.';
COMMENT ON COLUMN cmms.vendors.longitude IS
'WGS 84 longitude in degrees (-180 to 180); indexed with latitude for radius search.';

CREATE OR REPLACE VIEW cmms.active_vendors WITH (security_invoker = TRUE) AS
SELECT
    organization_id,
    id,
    name,
    contact_name,
    email,
    phone,
    website,
    address,
    tax_id,
    payment_terms,
    notes,
    is_active,
    created_at,
    updated_at,
    deleted_at,
    created_by,
    updated_by,
    latitude,
    longitude
FROM cmms.vendors
WHERE deleted_at IS NULL;
