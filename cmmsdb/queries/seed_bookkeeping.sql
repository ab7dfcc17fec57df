-- The organizations `cmmsdb seed` created, so that `cmmsdb seed --purge-fake` removes them
-- and nothing else. In the tool's own schema, beside the migration ledger.
CREATE SCHEMA IF NOT EXISTS cmmsdb;

CREATE TABLE IF NOT EXISTS cmmsdb.seeded_organizations (
    organization_id uuid PRIMARY KEY,
    seed bigint NOT NULL,
    tenant_number integer NOT NULL,
    profile text NOT NULL,
    seeded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    seeded_by text NOT NULL DEFAULT current_user,
    UNIQUE (seed, tenant_number)
);

COMMENT ON TABLE cmmsdb.seeded_organizations IS 'Fake organizations made by cmmsdb seed (removed with their rows by cmmsdb seed --purge-fake).';
