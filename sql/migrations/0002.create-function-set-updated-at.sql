-- The trigger function that keeps updated_at (and updated_by, when the tenant context
-- names a user) current on every table, so that no application can forget to.
CREATE FUNCTION cmms.set_updated_at()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
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

COMMENT ON FUNCTION cmms.set_updated_at() IS
'BEFORE UPDATE trigger: sets updated_at to the time of the change, and updated_by to the tenant context user if any.';
