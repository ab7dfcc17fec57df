-- Undoes 0001.create-index-assets-name.
DROP INDEX CONCURRENTLY IF EXISTS cmms.assets_organization_id_name_idx;
