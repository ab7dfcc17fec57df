-- The tenant context: which organization (and which user) the current transaction works
-- for. It lives in transaction-local settings (set_config(..., true)), so it never leaks
-- to the next transaction on a pooled connection (PgBouncer in transaction pooling).
-- Row-level security reads it through cmms.current_org_id(); no context means no rows.
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.set_context(org_id uuid, user_id uuid DEFAULT NULL)
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

CREATE FUNCTION cmms.current_org_id()
RETURNS uuid
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
    SELECT nullif(pg_catalog.current_setting('cmms.org_id', true), '')::uuid
$$;

COMMENT ON FUNCTION cmms.current_org_id() IS
'The organization of the tenant context, or NULL when none is set (which row-level security turns into no rows).';

CREATE FUNCTION cmms.current_user_id()
RETURNS uuid
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
    SELECT nullif(pg_catalog.current_setting('cmms.user_id', true), '')::uuid
$$;

COMMENT ON FUNCTION cmms.current_user_id() IS
'The acting user of the tenant context, or NULL; the default of created_by and updated_by.';

ALTER TABLE cmms.organizations
ALTER COLUMN created_by SET DEFAULT cmms.current_user_id(),
ALTER COLUMN updated_by SET DEFAULT cmms.current_user_id();

ALTER TABLE cmms.users
ALTER COLUMN created_by SET DEFAULT cmms.current_user_id(),
ALTER COLUMN updated_by SET DEFAULT cmms.current_user_id();

ALTER TABLE cmms.user_sessions
ALTER COLUMN created_by SET DEFAULT cmms.current_user_id(),
ALTER COLUMN updated_by SET DEFAULT cmms.current_user_id();
