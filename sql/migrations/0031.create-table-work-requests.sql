-- Work requests: requests for maintenance submitted by anyone (an account holder or a
-- guest who leaves a name or an email), triaged, then approved and converted into a work
-- order or rejected with a reason; with row-level security, grants, audit trigger and
-- soft-delete view (scaffolded by `cmmsdb new --template tenant-table`).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.work_requests (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    title text NOT NULL,
    description text,
    priority text NOT NULL DEFAULT 'medium',
    status text NOT NULL DEFAULT 'new',
    requester_user_id uuid,
    requester_name text,
    requester_email text,
    location_id uuid,
    asset_id uuid,
    work_order_id uuid,
    triaged_by_user_id uuid,
    triaged_at timestamptz,
    rejection_reason text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT work_requests_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT work_requests_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT work_requests_requester_user_fkey FOREIGN KEY (organization_id, requester_user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE SET NULL (requester_user_id),
    CONSTRAINT work_requests_location_fkey FOREIGN KEY (organization_id, location_id)
    REFERENCES cmms.locations (organization_id, id) ON DELETE SET NULL (location_id),
    CONSTRAINT work_requests_asset_fkey FOREIGN KEY (organization_id, asset_id)
    REFERENCES cmms.assets (organization_id, id) ON DELETE SET NULL (asset_id),
    CONSTRAINT work_requests_work_order_fkey FOREIGN KEY (organization_id, work_order_id)
    REFERENCES cmms.work_orders (organization_id, id) ON DELETE SET NULL (work_order_id),
    CONSTRAINT work_requests_triaged_by_user_fkey FOREIGN KEY (organization_id, triaged_by_user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE SET NULL (triaged_by_user_id),
    CONSTRAINT work_requests_title_check CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    CONSTRAINT work_requests_priority_check CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    CONSTRAINT work_requests_status_check CHECK (
        status IN ('new', 'triaged', 'approved', 'rejected', 'converted')
    ),
    -- Not on requester_user_id: deleting the user clears it, and that must neither fail
    -- nor leave a request that names no one.
    CONSTRAINT work_requests_requester_check CHECK (
        requester_name IS NOT NULL OR requester_email IS NOT NULL
    ),
    CONSTRAINT work_requests_requester_name_check CHECK (length(btrim(requester_name)) BETWEEN 1 AND 200),
    CONSTRAINT work_requests_requester_email_check CHECK (requester_email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    CONSTRAINT work_requests_rejection_reason_check CHECK (
        status <> 'rejected' OR btrim(coalesce(rejection_reason, '')) <> ''
    ),
    CONSTRAINT work_requests_work_order_check CHECK (work_order_id IS NULL OR status = 'converted')
);

CREATE INDEX work_requests_open_idx
ON cmms.work_requests (organization_id, created_at)
WHERE status IN ('new', 'triaged') AND deleted_at IS NULL;

CREATE INDEX work_requests_organization_id_requester_user_id_idx
ON cmms.work_requests (organization_id, requester_user_id);

CREATE INDEX work_requests_organization_id_location_id_idx
ON cmms.work_requests (organization_id, location_id);

CREATE INDEX work_requests_organization_id_asset_id_idx
ON cmms.work_requests (organization_id, asset_id);

CREATE INDEX work_requests_organization_id_work_order_id_idx
ON cmms.work_requests (organization_id, work_order_id);

CREATE INDEX work_requests_organization_id_triaged_by_user_id_idx
ON cmms.work_requests (organization_id, triaged_by_user_id);

CREATE TRIGGER work_requests_set_updated_at
BEFORE UPDATE ON cmms.work_requests
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.work_requests IS
'Requests for maintenance from anyone, triaged into work orders (converted) or rejected with a reason.';
COMMENT ON COLUMN cmms.work_requests.title IS
'What the requester asks for, in a line.';
COMMENT ON COLUMN cmms.work_requests.priority IS
'Priority asked for: low, medium, high or urgent (the work order may get another).';
COMMENT ON COLUMN cmms.work_requests.status IS
'new (submitted), triaged (looked at), approved, rejected (rejection_reason required) '
'or converted (into the work order work_order_id).';
COMMENT ON COLUMN cmms.work_requests.requester_user_id IS
'User who submitted the request, if signed in; cleared (only this column) when that user is deleted.';
COMMENT ON COLUMN cmms.work_requests.requester_name IS
'Name of the requester. A request always carries requester_name or requester_email (copied from the account '
'when a user submits), so it still names its requester once the account is deleted.';
COMMENT ON COLUMN cmms.work_requests.requester_email IS
'Email to reply to (a guest without an account, or a copy of the user''s); see requester_name.';
COMMENT ON COLUMN cmms.work_requests.location_id IS
'Where the problem is, if given; cleared (only this column) when the location is deleted.';
COMMENT ON COLUMN cmms.work_requests.asset_id IS
'Asset concerned, if given; cleared (only this column) when the asset is deleted.';
COMMENT ON COLUMN cmms.work_requests.work_order_id IS
'Work order the request was converted into (set only when status is converted); '
'cleared (only this column) when that work order is deleted.';
COMMENT ON COLUMN cmms.work_requests.triaged_by_user_id IS
'User who triaged the request; cleared (only this column) when that user is deleted.';
COMMENT ON COLUMN cmms.work_requests.triaged_at IS
'When the request was triaged.';
COMMENT ON COLUMN cmms.work_requests.rejection_reason IS
'Why the request was rejected; required (not blank) when status is rejected.';
COMMENT ON COLUMN cmms.work_requests.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.work_requests.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.work_requests.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.work_requests ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.work_requests FORCE ROW LEVEL SECURITY;

CREATE POLICY work_requests_select ON cmms.work_requests
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY work_requests_insert ON cmms.work_requests
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY work_requests_update ON cmms.work_requests
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY work_requests_delete ON cmms.work_requests
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.work_requests TO cmms_app;

GRANT SELECT ON cmms.work_requests TO cmms_readonly;

CREATE TRIGGER work_requests_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.work_requests
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_work_requests WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.work_requests
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_work_requests IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_work_requests FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_work_requests TO cmms_app, cmms_readonly;
