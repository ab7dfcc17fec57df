-- The tenant context of 0007 (any value of the settings counts) and set_updated_at of 0002,
-- with the search path 0086 gave them.
SET LOCAL ROLE cmms_owner;

CREATE OR REPLACE FUNCTION cmms.set_updated_at()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    NEW.updated_at := clock_timestamp();
    NEW.updated_by := coalesce(
        nullif(current_setting('cmms.user_id', true), '')::uuid,
        NEW.updated_by
    );
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION cmms.current_user_id()
RETURNS uuid
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
    SELECT nullif(pg_catalog.current_setting('cmms.user_id', true), '')::uuid
$$;

COMMENT ON FUNCTION cmms.current_user_id() IS
'The acting user of the tenant context, or NULL; the default of created_by and updated_by.';

CREATE OR REPLACE FUNCTION cmms.current_org_id()
RETURNS uuid
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
    SELECT nullif(pg_catalog.current_setting('cmms.org_id', true), '')::uuid
$$;

COMMENT ON FUNCTION cmms.current_org_id() IS
'The organization of the tenant context, or NULL when none is set (which row-level security turns into no rows).';

CREATE OR REPLACE FUNCTION cmms.set_context(org_id uuid, user_id uuid DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
BEGIN
    IF org_id IS NULL THEN
        RAISE EXCEPTION 'cmms.set_context: org_id must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM pg_catalog.set_config('cmms.org_id', org_id::text, true);
    PERFORM pg_catalog.set_config('cmms.user_id', coalesce(user_id::text, ''), true);
END;
$$;

COMMENT ON FUNCTION cmms.set_context(uuid, uuid) IS
'Sets the tenant context (organization, and the acting user) for the current transaction only.';
