-- Citus enforces a unique index only within a shard: on a distributed table it must include
-- the distribution column. Three unique indexes of the single-server schema do not:
--   organizations (slug), organizations (custom_domain): global, and must stay global (a
--     tenant is found by its slug or domain). They move to cmms.organization_handles, a
--     reference table (a copy on every node, whose primary key is enforced for the
--     whole cluster), filled here from organizations.
--     Citus 13 cannot keep it from a trigger on organizations (a trigger on a shard may not
--     write another distributed or reference table: "cannot execute a distributed query
--     from a query on a shard"), so whoever creates an organization or changes its slug or
--     domain writes its handle in the same transaction, on the coordinator; a duplicate
--     fails there with unique_violation.
--   user_sessions (refresh_token_hash): becomes unique per tenant, (organization_id,
--     refresh_token_hash). The hash is of a random 256-bit token: a clash between tenants is
--     not a practical concern, and a session is looked up with its tenant (one shard).
-- requires-extension: citus

RESET ROLE;

CREATE TABLE cmms.organization_handles (
    kind text NOT NULL CHECK (kind IN ('slug', 'custom_domain')),
    handle text NOT NULL,
    named_organization uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (kind, handle)
);

ALTER TABLE cmms.organization_handles OWNER TO cmms_owner;

COMMENT ON TABLE cmms.organization_handles IS
'On Citus: the slug and custom domain of every organization, unique in the whole cluster '
'(a reference table); written with the organization, in the same transaction.';

COMMENT ON COLUMN cmms.organization_handles.kind IS 'slug or custom_domain.';

COMMENT ON COLUMN cmms.organization_handles.handle IS 'The slug or the custom domain.';

COMMENT ON COLUMN cmms.organization_handles.named_organization IS
'The organization it names (not organization_id: this is no tenant table, but a reference table).';

GRANT SELECT ON cmms.organization_handles TO cmms_app, cmms_readonly;

GRANT INSERT, UPDATE, DELETE ON cmms.organization_handles TO cmms_app;

INSERT INTO cmms.organization_handles (kind, handle, named_organization)
SELECT
    'slug' AS kind,
    slug AS handle,
    id AS named_organization
FROM cmms.organizations
UNION ALL
SELECT
    'custom_domain' AS kind,
    custom_domain AS handle,
    id AS named_organization
FROM cmms.organizations
WHERE custom_domain IS NOT NULL;

-- cmmsdb: allow require-concurrent-index-deletion because the module runs once, when a database
-- moves onto Citus, before its tables are distributed: the application is not writing to them
DROP INDEX cmms.organizations_slug_key;

-- cmmsdb: allow require-concurrent-index-deletion because the module runs once, when a database
-- moves onto Citus, before its tables are distributed: the application is not writing to them
DROP INDEX cmms.organizations_custom_domain_key;

-- cmmsdb: allow require-concurrent-index-deletion because the module runs once, when a database
-- moves onto Citus, before its tables are distributed: the application is not writing to them
DROP INDEX cmms.user_sessions_refresh_token_hash_key;

-- cmmsdb: allow require-concurrent-index-creation because the module runs once, when a database
-- moves onto Citus, before its tables are distributed: the application is not writing to them
CREATE UNIQUE INDEX user_sessions_refresh_token_hash_key
ON cmms.user_sessions (organization_id, refresh_token_hash);



SELECT create_reference_table('cmms.organization_handles');
