-- Gadgets: a tenant table with row-level security, a policy, grants and the audit trigger.
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.gadgets (
    organization_id uuid NOT NULL REFERENCES cmms.organizations (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    asset_id uuid,
    name text NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, asset_id) REFERENCES cmms.assets (organization_id, id)
);

ALTER TABLE cmms.gadgets ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.gadgets FORCE ROW LEVEL SECURITY;

CREATE POLICY gadgets_tenant ON cmms.gadgets
TO cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.gadgets TO cmms_app;

CREATE TRIGGER gadgets_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.gadgets
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();
