-- The unique indexes of the single-server schema again, and no organization_handles.
-- cmmsdb: allow multiple-existing-tables because the global unique keys of organizations and
-- user_sessions come back together, as 0001 replaced them together
RESET ROLE;

DROP INDEX cmms.user_sessions_refresh_token_hash_key;

-- cmmsdb: allow require-concurrent-index-creation because the module runs once, when a database
-- moves onto Citus or back: the tables are locked for the move anyway
CREATE UNIQUE INDEX user_sessions_refresh_token_hash_key
ON cmms.user_sessions (refresh_token_hash);

-- cmmsdb: allow require-concurrent-index-creation because the module runs once, when a database
-- moves onto Citus or back: the tables are locked for the move anyway
CREATE UNIQUE INDEX organizations_custom_domain_key ON cmms.organizations (custom_domain);

-- cmmsdb: allow require-concurrent-index-creation because the module runs once, when a database
-- moves onto Citus or back: the tables are locked for the move anyway
CREATE UNIQUE INDEX organizations_slug_key ON cmms.organizations (slug);

DROP TABLE cmms.organization_handles;
