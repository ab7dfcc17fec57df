-- Contractors: outside companies or people who do work for an organization (a lift
-- service company, a freelance electrician), optionally billed through a vendor, with
-- row-level security, grants, audit trigger and soft-delete view (scaffolded by
-- `cmmsdb new --template tenant-table`).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.contractors (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL,
    vendor_id uuid,
    trade text,
    email text,
    phone text,
    hourly_rate numeric(12, 2),
    currency text NOT NULL DEFAULT 'USD',
    insurance_expires_on date,
    is_active boolean NOT NULL DEFAULT TRUE,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT contractors_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT contractors_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT contractors_vendor_fkey FOREIGN KEY (organization_id, vendor_id)
    REFERENCES cmms.vendors (organization_id, id) ON DELETE SET NULL (vendor_id),
    CONSTRAINT contractors_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT contractors_email_check CHECK (position('@' IN email) > 1),
    CONSTRAINT contractors_hourly_rate_check CHECK (hourly_rate >= 0),
    CONSTRAINT contractors_currency_check CHECK (currency ~ '^[A-Z]{3}$')
);

CREATE UNIQUE INDEX contractors_organization_id_name_key
ON cmms.contractors (organization_id, lower(name))
WHERE deleted_at IS NULL;

CREATE INDEX contractors_organization_id_vendor_id_idx
ON cmms.contractors (organization_id, vendor_id);

CREATE TRIGGER contractors_set_updated_at
BEFORE UPDATE ON cmms.contractors
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.contractors IS
'Outside companies or people who do work for the organization (service companies, freelance trades).';
COMMENT ON COLUMN cmms.contractors.name IS
'Name of the contractor, unique (case-insensitively) among the live contractors of an organization.';
COMMENT ON COLUMN cmms.contractors.vendor_id IS
'The vendor that bills for this contractor''s work, if any; cleared (only this column) when that vendor is deleted.';
COMMENT ON COLUMN cmms.contractors.trade IS
'What the contractor does, free text (e.g. electrical, HVAC, lifts, cleaning).';
COMMENT ON COLUMN cmms.contractors.email IS
'Contact email; checked only to be plausible (something before an @).';
COMMENT ON COLUMN cmms.contractors.hourly_rate IS
'Agreed labor rate per hour, in currency, for costing the contractor''s labor.';
COMMENT ON COLUMN cmms.contractors.currency IS
'ISO 4217 code (three capital letters) of hourly_rate.';
COMMENT ON COLUMN cmms.contractors.insurance_expires_on IS
'Last day the contractor''s liability insurance certificate on file is valid; NULL when none is on file.';
COMMENT ON COLUMN cmms.contractors.is_active IS
'FALSE for a contractor no longer engaged but kept for history (unlike deleted_at, it stays listed).';
COMMENT ON COLUMN cmms.contractors.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.contractors.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.contractors.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.contractors ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.contractors FORCE ROW LEVEL SECURITY;

CREATE POLICY contractors_select ON cmms.contractors
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY contractors_insert ON cmms.contractors
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY contractors_update ON cmms.contractors
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY contractors_delete ON cmms.contractors
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.contractors TO cmms_app;

GRANT SELECT ON cmms.contractors TO cmms_readonly;

CREATE TRIGGER contractors_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.contractors
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_contractors WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.contractors
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_contractors IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_contractors FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_contractors TO cmms_app, cmms_readonly;
