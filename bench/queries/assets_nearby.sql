-- Assets within a radius (metres) of a point, nearest first (tenant from the context);
-- earthdistance's functions and operators are found through the search path.
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
ORDER BY metres, a.id
