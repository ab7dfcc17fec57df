-- Assets within a radius (metres) of a point, nearest first (tenant from the context);
-- earthdistance's functions and operators are found through the search path. The
-- latitude/longitude box (plain, leakproof comparisons) lets the coordinates index serve it
-- under row-level security; it assumes the circle crosses neither a pole nor the date line.
SELECT
    a.id,
    a.asset_tag,
    a.name,
    earth_distance(
        cmms.earth_point(a.latitude, a.longitude), cmms.earth_point(%(lat)s, %(lon)s)
    ) AS metres
FROM cmms.assets AS a
WHERE
    earth_box(cmms.earth_point(%(lat)s, %(lon)s), %(radius)s)
    @> cmms.earth_point(a.latitude, a.longitude)
    AND earth_distance(
        cmms.earth_point(a.latitude, a.longitude), cmms.earth_point(%(lat)s, %(lon)s)
    ) <= %(radius)s
    AND a.deleted_at IS NULL
    AND a.latitude BETWEEN %(lat)s - degrees(%(radius)s / 6378168.0)
    AND %(lat)s + degrees(%(radius)s / 6378168.0)
    AND a.longitude BETWEEN %(lon)s - degrees(%(radius)s / 6378168.0) / cos(radians(%(lat)s))
    AND %(lon)s + degrees(%(radius)s / 6378168.0) / cos(radians(%(lat)s))
    AND a.organization_id = %(org)s  -- superuser only
ORDER BY metres, a.id
