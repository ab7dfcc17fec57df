-- People who sign in. A user belongs to exactly one organization; the same email may
-- exist in two organizations, but only once (case-insensitively) among one
-- organization's live users. The lower-cased copy email_key is a stored column, not an
-- index expression: lower() is not LEAKPROOF, so under row-level security PostgreSQL would
-- not use an index on lower(email) (bench/rls_overhead.py measured 10-19 times slower).
CREATE TABLE cmms.users (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    email text NOT NULL,
    email_key text NOT NULL GENERATED ALWAYS AS (lower(email)) STORED,
    full_name text NOT NULL,
    password_hash text,
    role text NOT NULL DEFAULT 'technician',
    status text NOT NULL DEFAULT 'active',
    phone text,
    job_title text,
    locale text,
    timezone text,
    hourly_rate numeric(10, 2),
    last_login_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid,
    updated_by uuid,
    CONSTRAINT users_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT users_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT users_email_check CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    CONSTRAINT users_full_name_check CHECK (length(btrim(full_name)) BETWEEN 1 AND 200),
    CONSTRAINT users_role_check CHECK (
        role IN ('admin', 'manager', 'technician', 'requester', 'viewer')
    ),
    CONSTRAINT users_status_check CHECK (status IN ('invited', 'active', 'disabled')),
    CONSTRAINT users_hourly_rate_check CHECK (hourly_rate >= 0)
);

CREATE UNIQUE INDEX users_organization_id_email_key
ON cmms.users (organization_id, email_key)
WHERE deleted_at IS NULL;

CREATE TRIGGER users_set_updated_at
BEFORE UPDATE ON cmms.users
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.users IS 'People who sign in; each belongs to one organization.';
COMMENT ON COLUMN cmms.users.email IS
'Sign-in email; unique, case-insensitively, among the live users of an organization.';
COMMENT ON COLUMN cmms.users.email_key IS
'lower(email), kept by PostgreSQL: look users up by email_key = lower($1), which the unique index serves under RLS.';
COMMENT ON COLUMN cmms.users.password_hash IS
'Password hash in PHC string format (e.g. $argon2id$...); NULL for users who sign in through SSO or have not set one.';
COMMENT ON COLUMN cmms.users.role IS 'Permission level: admin, manager, technician, requester or viewer.';
COMMENT ON COLUMN cmms.users.status IS 'invited (has not signed in yet), active or disabled (cannot sign in).';
COMMENT ON COLUMN cmms.users.locale IS 'Preferred locale (BCP 47); NULL means the organization default.';
COMMENT ON COLUMN cmms.users.timezone IS 'Preferred IANA time zone; NULL means the organization time zone.';
COMMENT ON COLUMN cmms.users.hourly_rate IS
'Default labor cost per hour, in the organization currency, for labor entries.';
COMMENT ON COLUMN cmms.users.deleted_at IS 'Soft delete: set when the user was removed; NULL while the user is live.';
COMMENT ON COLUMN cmms.users.created_by IS 'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.users.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

CREATE VIEW cmms.active_users WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.users
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_users IS
'Users that are not soft-deleted; runs with the privileges and row-level security of the caller.';
