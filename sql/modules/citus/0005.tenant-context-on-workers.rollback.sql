-- The single-server tenant context of core migration 0087 again.
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
    PERFORM pg_catalog.set_config('cmms.org_id', org_id::pg_catalog.text, TRUE);
    PERFORM pg_catalog.set_config('cmms.user_id', coalesce(user_id::pg_catalog.text, ''), TRUE);
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
            THEN nullif(pg_catalog.current_setting('cmms.user_id', TRUE), '')::pg_catalog.uuid
    END
$$;
