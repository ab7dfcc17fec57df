-- Tenants. Every tenant table carries organization_id and references this table.
CREATE TABLE cmms.organizations (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL,
    slug text NOT NULL,
    status text NOT NULL DEFAULT 'active',
    plan text NOT NULL DEFAULT 'standard',
    timezone text NOT NULL DEFAULT 'UTC',
    default_locale text NOT NULL DEFAULT 'en',
    settings jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid,
    updated_by uuid,
    CONSTRAINT organizations_pkey PRIMARY KEY (id),
    CONSTRAINT organizations_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT organizations_slug_check CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$'),
    CONSTRAINT organizations_status_check CHECK (status IN ('active', 'suspended', 'closed')),
    CONSTRAINT organizations_plan_check CHECK (plan IN ('free', 'standard', 'enterprise')),
    CONSTRAINT organizations_settings_check CHECK (jsonb_typeof(settings) = 'object')
);

CREATE UNIQUE INDEX organizations_slug_key ON cmms.organizations (slug);

CREATE TRIGGER organizations_set_updated_at
BEFORE UPDATE ON cmms.organizations
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.organizations IS 'Tenants: one row per customer organization; every tenant table references it.';
COMMENT ON COLUMN cmms.organizations.slug IS
'URL-safe unique handle of the organization (lower-case letters, digits, hyphens).';
COMMENT ON COLUMN cmms.organizations.status IS 'active, suspended (read-only for its users) or closed.';
COMMENT ON COLUMN cmms.organizations.plan IS 'Subscription plan: free, standard or enterprise.';
COMMENT ON COLUMN cmms.organizations.timezone IS 'IANA time zone used to display and schedule in this organization.';
COMMENT ON COLUMN cmms.organizations.default_locale IS 'Locale used when a user has none (BCP 47 tag, e.g. en, fr-CA).';
COMMENT ON COLUMN cmms.organizations.settings IS 'Organization-wide preferences as a JSON object.';
COMMENT ON COLUMN cmms.organizations.deleted_at IS
'Soft delete: set when the organization was deleted; NULL while it is live.';
COMMENT ON COLUMN cmms.organizations.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.organizations.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';
