-- Drops the coordinates index, concurrently.
DROP INDEX CONCURRENTLY IF EXISTS cmms.vendors_organization_id_latitude_longitude_idx;
