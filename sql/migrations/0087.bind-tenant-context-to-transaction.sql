-- The tenant context answers only within the transaction that set it with cmms.set_context.
-- Until now current_org_id() read the setting cmms.org_id whatever set it: a client that ran
-- `SET cmms.org_id = ...` (session level) left that tenant to every later transaction on the
-- connection, and behind PgBouncer in transaction pooling, to other clients' requests.
-- set_context now also records which transaction it ran in (its start time, which every
-- parallel worker shares), and current_org_id() / current_user_id() answer NULL unless that
-- record names the current transaction: a value set at session level, or left by an earlier
-- transaction, is no context (fail closed). The two readers stay inlinable SQL functions
-- (policies call them once per statement) with every name in their bodies schema-qualified,
-- so that no caller's search path changes what they mean.
-- set_updated_at read cmms.user_id directly; it now asks current_user_id().
SET LOCAL ROLE cmms_owner;

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
    PERFORM pg_catalog.set_config('cmms.org_id', org_id::pg_catalog.text, TRUE);
    PERFORM pg_catalog.set_config('cmms.user_id', coalesce(user_id::pg_catalog.text, ''), TRUE);
    PERFORM pg_catalog.set_config(
        'cmms.context_transaction',
        EXTRACT(EPOCH FROM pg_catalog.transaction_timestamp())::pg_catalog.text,
        TRUE
    );
END;
$$;

COMMENT ON FUNCTION cmms.set_context(uuid, uuid) IS
'Sets the tenant context (organization, and the acting user) for the current transaction only: '
'cmms.current_org_id() ignores a context set any other way (SET, set_config) or left by an earlier transaction.';

CREATE OR REPLACE FUNCTION cmms.current_org_id()
RETURNS uuid
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN pg_catalog.current_setting('cmms.context_transaction', TRUE)
            = EXTRACT(EPOCH FROM pg_catalog.transaction_timestamp())::pg_catalog.text
            THEN nullif(pg_catalog.current_setting('cmms.org_id', TRUE), '')::pg_catalog.uuid
    END
$$;

COMMENT ON FUNCTION cmms.current_org_id() IS
'The organization of the tenant context that cmms.set_context set in the current transaction, or NULL '
'(which row-level security turns into no rows): a value set at session level or left by an earlier transaction '
'is no context.';

CREATE OR REPLACE FUNCTION cmms.current_user_id()
RETURNS uuid
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN pg_catalog.current_setting('cmms.context_transaction', TRUE)
            = EXTRACT(EPOCH FROM pg_catalog.transaction_timestamp())::pg_catalog.text
            THEN nullif(pg_catalog.current_setting('cmms.user_id', TRUE), '')::pg_catalog.uuid
    END
$$;

COMMENT ON FUNCTION cmms.current_user_id() IS
'The acting user of the tenant context that cmms.set_context set in the current transaction, or NULL; '
'the default of created_by and updated_by.';

CREATE OR REPLACE FUNCTION cmms.set_updated_at()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    NEW.updated_at := pg_catalog.clock_timestamp();
    NEW.updated_by := coalesce(cmms.current_user_id(), NEW.updated_by);
    RETURN NEW;
END;
$$;
