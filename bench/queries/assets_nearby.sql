-- Assets within a radius (metres) of a point, nearest first: the query cmms.assets_within()
-- runs (see assets_nearby.app.sql), with the tenant filter written out for the superuser.
-- The latitude/longitude box (plain comparisons, served by the coordinates index) is the
-- function's, for a circle that crosses neither a pole nor the date line.
SELECT
    a.id,
    a.name,
    a.asset_tag,
    a.status,
    d.distance_m
FROM cmms.assets AS a
CROSS JOIN LATERAL (
    SELECT cmms.earth_distance_m(%(lat)s, %(lon)s, a.latitude, a.longitude) AS distance_m
) AS d
WHERE
    a.organization_id = %(org)s  -- superuser only
    AND a.deleted_at IS NULL
    AND a.latitude
    BETWEEN %(lat)s - (degrees(%(radius)s / 6378168.0) + 1e-7)
    AND %(lat)s + (degrees(%(radius)s / 6378168.0) + 1e-7)
    AND a.longitude
    BETWEEN %(lon)s - (degrees(asin(sin(%(radius)s / 6378168.0) / cos(radians(%(lat)s)))) + 1e-7)
    AND %(lon)s + (degrees(asin(sin(%(radius)s / 6378168.0) / cos(radians(%(lat)s)))) + 1e-7)
    AND d.distance_m <= %(radius)s
ORDER BY d.distance_m, a.id
