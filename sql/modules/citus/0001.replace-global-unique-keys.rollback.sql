-- The unique indexes of the single-server schema again, and no organization_handles.
RESET ROLE;

DROP INDEX cmms.user_sessions_refresh_token_hash_key;

CREATE UNIQUE INDEX user_sessions_refresh_token_hash_key
ON cmms.user_sessions (refresh_token_hash);

CREATE UNIQUE INDEX organizations_custom_domain_key ON cmms.organizations (custom_domain);

CREATE UNIQUE INDEX organizations_slug_key ON cmms.organizations (slug);

DROP TABLE cmms.organization_handles;
