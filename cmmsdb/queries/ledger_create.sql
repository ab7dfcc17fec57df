-- cmmsdb's bookkeeping, in a schema of its own so that it never mixes with the CMMS
-- schema or an application's tables. Created by the first `cmmsdb migrate`, under the
-- migration lock. A migration's row is written in the same transaction as its changes.
CREATE SCHEMA IF NOT EXISTS cmmsdb;

COMMENT ON SCHEMA cmmsdb IS 'Bookkeeping of the cmmsdb migration tool: which migrations are applied, with their checksums.';

CREATE TABLE IF NOT EXISTS cmmsdb.applied_migrations (
    id text PRIMARY KEY,
    checksum text NOT NULL,
    transactional boolean NOT NULL,
    state text NOT NULL CHECK (state IN ('applied', 'partial')),
    statements_done integer NOT NULL DEFAULT 0,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    applied_by text NOT NULL DEFAULT current_user,
    duration_ms integer
);

COMMENT ON TABLE cmmsdb.applied_migrations IS 'One row per applied migration; state partial marks a non-transactional migration that was interrupted and will be resumed.';

CREATE TABLE IF NOT EXISTS cmmsdb.migration_history (
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    migration_id text NOT NULL,
    action text NOT NULL CHECK (action IN ('apply', 'rollback')),
    checksum text NOT NULL,
    by_role text NOT NULL DEFAULT current_user,
    duration_ms integer
);

COMMENT ON TABLE cmmsdb.migration_history IS 'Every apply and rollback, in order: what ran against this database, when and as whom.';
