-- A btree on each tenant's asset coordinates, for the latitude/longitude box that lets a
-- radius search use an index under row-level security: earthdistance's @> is not
-- leakproof, so under RLS its GiST index is not used before the tenant check, while plain
-- comparisons of latitude and longitude are (bench/queries.py: 7x slower without the box).
-- Built concurrently: assets may be large and in use.
-- transactional: false
CREATE INDEX CONCURRENTLY IF NOT EXISTS assets_organization_id_latitude_longitude_idx
ON cmms.assets (organization_id, latitude, longitude)
WHERE deleted_at IS NULL;
