-- A btree on each tenant's contractors coordinates, for the latitude/longitude box of a radius
-- search under row-level security (as 0053 for assets: plain comparisons are leakproof).
-- Built concurrently: the table is in use.
-- transactional: false
CREATE INDEX CONCURRENTLY IF NOT EXISTS contractors_organization_id_latitude_longitude_idx
ON cmms.contractors (organization_id, latitude, longitude)
WHERE deleted_at IS NULL;
