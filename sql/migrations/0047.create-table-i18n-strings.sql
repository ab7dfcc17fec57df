-- Translated strings of the user interface and notifications, in two tables (a primary
-- key cannot hold the NULL organization a single table would need for the defaults):
--   cmms.i18n_strings    the global defaults, shared by every organization: not a tenant
--                        table (no organization_id, no row-level security, no audit
--                        trigger); the application and readers may only read them.
--   cmms.i18n_overrides  an organization's own wording of some strings: a tenant table
--                        with row-level security, grants, audit trigger and soft-delete
--                        view (scaffolded by `cmmsdb new --template tenant-table`).
-- Lookup of (key, locale) for an organization: its live override in i18n_overrides, else
-- the live default in i18n_strings for that locale, else the default for English ('en').
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.i18n_strings (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    key text NOT NULL,
    locale text NOT NULL,
    text text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT i18n_strings_pkey PRIMARY KEY (id),
    CONSTRAINT i18n_strings_locale_check CHECK (locale ~ '^[a-z]{2,3}(-[A-Z]{2})?$')
);

CREATE UNIQUE INDEX i18n_strings_key_locale_key
ON cmms.i18n_strings (key, locale)
WHERE deleted_at IS NULL;

CREATE TRIGGER i18n_strings_set_updated_at
BEFORE UPDATE ON cmms.i18n_strings
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.i18n_strings IS
'Global default translations, shared by every organization (not a tenant table). Lookup of (key, locale): '
'the organization''s override in cmms.i18n_overrides, else this table for locale, else this table for ''en''.';
COMMENT ON COLUMN cmms.i18n_strings.key IS
'Identifier of the string in the application (e.g. work_order.status.open); one live row per key and locale.';
COMMENT ON COLUMN cmms.i18n_strings.locale IS
'Language, optionally with region: ISO 639 code, then - and an ISO 3166 country code (en, fr, pt-BR).';
COMMENT ON COLUMN cmms.i18n_strings.text IS
'The translated text (may hold placeholders the application fills in).';
COMMENT ON COLUMN cmms.i18n_strings.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.i18n_strings.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.i18n_strings.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

-- Shared by every tenant, so not row-level secured: the application and readers may only
-- read it (cmms_owner's default privileges would also let cmms_app write).
REVOKE ALL ON cmms.i18n_strings FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.i18n_strings TO cmms_app, cmms_readonly;

CREATE VIEW cmms.active_i18n_strings WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.i18n_strings
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_i18n_strings IS
'Rows that are not soft-deleted; runs with the privileges of the caller (read-only for cmms_app, cmms_readonly).';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_i18n_strings FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_i18n_strings TO cmms_app, cmms_readonly;

CREATE TABLE cmms.i18n_overrides (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    key text NOT NULL,
    locale text NOT NULL,
    text text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT i18n_overrides_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT i18n_overrides_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT i18n_overrides_locale_check CHECK (locale ~ '^[a-z]{2,3}(-[A-Z]{2})?$')
);

CREATE UNIQUE INDEX i18n_overrides_organization_id_key_locale_key
ON cmms.i18n_overrides (organization_id, key, locale)
WHERE deleted_at IS NULL;

CREATE TRIGGER i18n_overrides_set_updated_at
BEFORE UPDATE ON cmms.i18n_overrides
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.i18n_overrides IS
'An organization''s own wording of translated strings. Lookup of (key, locale): the live row here, '
'else cmms.i18n_strings for locale, else cmms.i18n_strings for ''en''.';
COMMENT ON COLUMN cmms.i18n_overrides.key IS
'Identifier of the string (as in cmms.i18n_strings); one live row per organization, key and locale.';
COMMENT ON COLUMN cmms.i18n_overrides.locale IS
'Language, optionally with region: ISO 639 code, then - and an ISO 3166 country code (en, fr, pt-BR).';
COMMENT ON COLUMN cmms.i18n_overrides.text IS
'The organization''s text, used instead of the default of cmms.i18n_strings for this key and locale.';
COMMENT ON COLUMN cmms.i18n_overrides.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.i18n_overrides.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.i18n_overrides.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.i18n_overrides ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.i18n_overrides FORCE ROW LEVEL SECURITY;

CREATE POLICY i18n_overrides_select ON cmms.i18n_overrides
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY i18n_overrides_insert ON cmms.i18n_overrides
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY i18n_overrides_update ON cmms.i18n_overrides
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY i18n_overrides_delete ON cmms.i18n_overrides
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.i18n_overrides TO cmms_app;

GRANT SELECT ON cmms.i18n_overrides TO cmms_readonly;

CREATE TRIGGER i18n_overrides_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.i18n_overrides
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_i18n_overrides WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.i18n_overrides
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_i18n_overrides IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_i18n_overrides FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_i18n_overrides TO cmms_app, cmms_readonly;
