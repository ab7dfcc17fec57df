-- White-labelling: an organization's display name, logo, primary colour and custom domain,
-- as checked columns rather than free keys of settings. The logo is one of the
-- organization's own attachments (a composite foreign key: never another tenant's), cleared
-- when that attachment is deleted. Custom domains are unique across tenants, like slugs
-- (0099; the README's security section says why that is acceptable). Every new column is
-- NULL in every row, so the checks scan nothing that can fail; organizations has a row per
-- tenant.
SET LOCAL ROLE cmms_owner;

-- cmmsdb: allow constraint-missing-not-valid because the checks and the foreign key are on
-- columns this statement adds, NULL in every row, of a small table (a row per tenant)
-- cmmsdb: allow adding-foreign-key-constraint because the new column is NULL in every row (the
-- check reads nothing) and the locks are taken under the migrator's short lock_timeout, retried
ALTER TABLE cmms.organizations
ADD COLUMN display_name text,
ADD COLUMN logo_attachment_id uuid,
ADD COLUMN primary_colour text,
ADD COLUMN custom_domain text,
ADD CONSTRAINT organizations_display_name_check
CHECK (pg_catalog.length(pg_catalog.btrim(display_name)) BETWEEN 1 AND 200),
ADD CONSTRAINT organizations_primary_colour_check CHECK (primary_colour ~ '^#[0-9a-f]{6}$'),
ADD CONSTRAINT organizations_custom_domain_check CHECK (
    pg_catalog.length(custom_domain) <= 253
    AND custom_domain ~ '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$'
),
ADD CONSTRAINT organizations_logo_attachment_fkey FOREIGN KEY (id, logo_attachment_id)
REFERENCES cmms.attachments (organization_id, id) ON DELETE SET NULL (logo_attachment_id);

COMMENT ON COLUMN cmms.organizations.display_name IS
'Name shown in the product''s header and emails instead of name (white-labelling), 1 to 200 characters; NULL: name.';
COMMENT ON COLUMN cmms.organizations.logo_attachment_id IS
'The organization''s logo: one of its own attachments (an image); cleared when that attachment is deleted.';
COMMENT ON COLUMN cmms.organizations.primary_colour IS
'Brand colour for the product''s theme, as #rrggbb in lower-case hexadecimal; NULL: the default theme.';
COMMENT ON COLUMN cmms.organizations.custom_domain IS
'Host name the organization''s users reach the product at (e.g. maintenance.example.com), lower case, unique '
'across organizations; NULL: the product''s own domain with the slug.';
COMMENT ON COLUMN cmms.organizations.settings IS
'Organization-wide preferences of the application as a JSON object; the data layer reads none of its keys '
'(branding has its own checked columns).';
