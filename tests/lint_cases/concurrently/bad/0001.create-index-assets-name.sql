-- An index built concurrently, in a migration that runs in a transaction.
SET LOCAL ROLE cmms_owner;

CREATE INDEX CONCURRENTLY IF NOT EXISTS assets_organization_id_name_idx
ON cmms.assets (organization_id, name);
