-- Vendors: the suppliers an organization buys parts and services from (purchase orders
-- are placed with them, parts name a preferred one, contractors bill through one), with
-- row-level security, grants, audit trigger and soft-delete view (scaffolded by
-- `cmmsdb new --template tenant-table`).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.vendors (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL,
    contact_name text,
    email text,
    phone text,
    website text,
    address text,
    tax_id text,
    payment_terms text,
    notes text,
    is_active boolean NOT NULL DEFAULT TRUE,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT vendors_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT vendors_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT vendors_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT vendors_email_check CHECK (position('@' IN email) > 1)
);

CREATE UNIQUE INDEX vendors_organization_id_name_key
ON cmms.vendors (organization_id, lower(name))
WHERE deleted_at IS NULL;

CREATE TRIGGER vendors_set_updated_at
BEFORE UPDATE ON cmms.vendors
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.vendors IS
'Suppliers of parts and services: purchase orders are placed with them, parts name a preferred one, '
'contractors bill through one.';
COMMENT ON COLUMN cmms.vendors.name IS
'Name of the vendor, unique (case-insensitively) among the live vendors of an organization.';
COMMENT ON COLUMN cmms.vendors.contact_name IS
'The person to talk to at the vendor (account manager, sales desk).';
COMMENT ON COLUMN cmms.vendors.email IS
'Ordering or contact email; checked only to be plausible (something before an @).';
COMMENT ON COLUMN cmms.vendors.website IS
'The vendor''s website or ordering portal (a URL, not checked).';
COMMENT ON COLUMN cmms.vendors.address IS
'Postal address, free text (several lines allowed).';
COMMENT ON COLUMN cmms.vendors.tax_id IS
'The vendor''s tax or VAT registration number, as printed on its invoices.';
COMMENT ON COLUMN cmms.vendors.payment_terms IS
'Agreed payment terms, free text (e.g. Net 30, 2/10 Net 30, prepaid).';
COMMENT ON COLUMN cmms.vendors.is_active IS
'FALSE for a vendor no longer ordered from but kept for history (unlike deleted_at, it stays listed).';
COMMENT ON COLUMN cmms.vendors.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.vendors.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.vendors.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.vendors ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.vendors FORCE ROW LEVEL SECURITY;

CREATE POLICY vendors_select ON cmms.vendors
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY vendors_insert ON cmms.vendors
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY vendors_update ON cmms.vendors
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY vendors_delete ON cmms.vendors
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.vendors TO cmms_app;

GRANT SELECT ON cmms.vendors TO cmms_readonly;

CREATE TRIGGER vendors_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.vendors
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_vendors WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.vendors
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_vendors IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_vendors FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_vendors TO cmms_app, cmms_readonly;
