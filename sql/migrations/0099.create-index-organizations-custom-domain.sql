-- A custom domain routes to one organization: unique across organizations (the check of
-- 0097 keeps it lower case). Built concurrently: organizations is read by every request.
-- transactional: false
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS organizations_custom_domain_key
ON cmms.organizations (custom_domain);
