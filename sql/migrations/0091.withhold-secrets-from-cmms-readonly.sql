-- cmms_readonly (reporting) reads no credential: users.password_hash and
-- user_sessions.refresh_token_hash are withheld. Its SELECT on those two tables becomes
-- SELECT on each of their other columns, so a report names its columns (SELECT * is
-- refused there). The soft-delete view active_users leaves password_hash out: a view that
-- runs as its invoker needs the invoker's privilege on every column it lists, so with the
-- hash in it the reporting role could not read the view at all (the application reads
-- hashes from cmms.users). The audit trail already redacts both (0088). verify's rule
-- readonly-secrets keeps it so for every table and column.
SET LOCAL ROLE cmms_owner;

DROP VIEW cmms.active_users;

CREATE VIEW cmms.active_users WITH (security_invoker = TRUE) AS
SELECT
    organization_id,
    id,
    email,
    email_key,
    full_name,
    role,
    status,
    phone,
    job_title,
    locale,
    timezone,
    hourly_rate,
    last_login_at,
    created_at,
    updated_at,
    deleted_at,
    created_by,
    updated_by
FROM cmms.users
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_users IS
'Users that are not soft-deleted, without their password hash; runs with the privileges and '
'row-level security of the caller.';

-- The default privileges gave cmms_app INSERT, UPDATE and DELETE too: it reads the view only.
REVOKE ALL ON cmms.active_users FROM cmms_app, cmms_readonly;
GRANT SELECT ON cmms.active_users TO cmms_app, cmms_readonly;

DO $$
DECLARE
    relation pg_catalog.text;
    readable pg_catalog.text;
BEGIN
    FOREACH relation IN ARRAY ARRAY['cmms.users', 'cmms.user_sessions'] LOOP
        SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
        INTO readable
        FROM pg_catalog.pg_attribute AS a
        WHERE a.attrelid = relation::pg_catalog.regclass
          AND a.attnum > 0
          AND NOT a.attisdropped
          AND a.attname NOT IN ('password_hash', 'refresh_token_hash');
        EXECUTE pg_catalog.format('REVOKE SELECT ON %s FROM cmms_readonly', relation);
        EXECUTE pg_catalog.format('GRANT SELECT (%s) ON %s TO cmms_readonly', readable, relation);
    END LOOP;
END;
$$;
