-- An index built concurrently, outside a transaction.
-- transactional: false
CREATE INDEX CONCURRENTLY IF NOT EXISTS assets_organization_id_name_idx
ON cmms.assets (organization_id, name);
