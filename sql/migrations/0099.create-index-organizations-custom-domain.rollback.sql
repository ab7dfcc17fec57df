-- Drops the custom domain's unique index, concurrently.
DROP INDEX CONCURRENTLY IF EXISTS cmms.organizations_custom_domain_key;
