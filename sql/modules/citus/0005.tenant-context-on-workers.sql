-- The tenant context on Citus. Row-level security and the column defaults read the context
-- where the row is: on a worker, inside the shard query the coordinator sent. A context set
-- with set_config() on the coordinator never gets there (no rows: fail closed, but the API
-- would see nothing), and a worker's transaction_timestamp() is not the coordinator's.
-- So on the cluster cmms.set_context also issues SET LOCAL for the three settings with
-- citus.propagate_set_commands = 'local': Citus sends them to every worker connection of the
-- transaction, opened then or later, and they end with it. The marker it propagates is
-- 'citus'; cmms.current_org_id() and cmms.current_user_id() accept it only in a session
-- that Citus opened from another node (application_name citus_internal...), and the
-- coordinator keeps the single-server check (the marker is this transaction's start).
-- Call set_context inside a transaction block (BEGIN ... COMMIT), as the API requires
-- anyway: Citus propagates SET LOCAL only in a multi-statement transaction.
-- requires-extension: citus

RESET ROLE;

CREATE OR REPLACE FUNCTION cmms.set_context(org_id uuid, user_id uuid DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF org_id IS NULL THEN
        RAISE EXCEPTION 'cmms.set_context: org_id must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SET LOCAL citus.propagate_set_commands = 'local';
    EXECUTE pg_catalog.format('SET LOCAL cmms.org_id = %L', org_id);
    EXECUTE pg_catalog.format('SET LOCAL cmms.user_id = %L', coalesce(user_id::pg_catalog.text, ''));
    SET LOCAL cmms.context_transaction = 'citus';
    -- The coordinator's own marker (not propagated: set_config is no SET statement).
    PERFORM pg_catalog.set_config(
        'cmms.context_transaction',
        EXTRACT(EPOCH FROM pg_catalog.transaction_timestamp())::pg_catalog.text,
        TRUE
    );
END;
$$;

CREATE OR REPLACE FUNCTION cmms.current_org_id()
RETURNS uuid
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN pg_catalog.current_setting('cmms.context_transaction', TRUE)
            = EXTRACT(EPOCH FROM pg_catalog.transaction_timestamp())::pg_catalog.text
            OR (
                pg_catalog.current_setting('cmms.context_transaction', TRUE) = 'citus'
                AND pg_catalog.current_setting('application_name') LIKE 'citus\_internal%'
            )
            THEN nullif(pg_catalog.current_setting('cmms.org_id', TRUE), '')::pg_catalog.uuid
    END
$$;

CREATE OR REPLACE FUNCTION cmms.current_user_id()
RETURNS uuid
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN pg_catalog.current_setting('cmms.context_transaction', TRUE)
            = EXTRACT(EPOCH FROM pg_catalog.transaction_timestamp())::pg_catalog.text
            OR (
                pg_catalog.current_setting('cmms.context_transaction', TRUE) = 'citus'
                AND pg_catalog.current_setting('application_name') LIKE 'citus\_internal%'
            )
            THEN nullif(pg_catalog.current_setting('cmms.user_id', TRUE), '')::pg_catalog.uuid
    END
$$;
