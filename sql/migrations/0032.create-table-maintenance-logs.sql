-- Maintenance logs: the history of a work order and its asset (status changes, notes,
-- inspection results, failures, repairs), with row-level security, grants, audit trigger
-- and soft-delete view (scaffolded by `cmmsdb new --template tenant-table`).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.maintenance_logs (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    work_order_id uuid NOT NULL,
    asset_id uuid,
    entry_type text NOT NULL DEFAULT 'note',
    from_status text,
    to_status text,
    message text,
    logged_by_user_id uuid,
    logged_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT maintenance_logs_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT maintenance_logs_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT maintenance_logs_work_order_fkey FOREIGN KEY (organization_id, work_order_id)
    REFERENCES cmms.work_orders (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT maintenance_logs_asset_fkey FOREIGN KEY (organization_id, asset_id)
    REFERENCES cmms.assets (organization_id, id) ON DELETE SET NULL (asset_id),
    CONSTRAINT maintenance_logs_logged_by_user_fkey FOREIGN KEY (organization_id, logged_by_user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE SET NULL (logged_by_user_id),
    CONSTRAINT maintenance_logs_entry_type_check CHECK (
        entry_type IN ('status_change', 'note', 'inspection_result', 'failure', 'repair')
    ),
    CONSTRAINT maintenance_logs_from_status_check CHECK (
        from_status IN ('open', 'in_progress', 'on_hold', 'completed', 'closed', 'cancelled')
    ),
    CONSTRAINT maintenance_logs_to_status_check CHECK (
        to_status IN ('open', 'in_progress', 'on_hold', 'completed', 'closed', 'cancelled')
    ),
    -- A status change says where it went (and is a change); other entries carry no status.
    CONSTRAINT maintenance_logs_status_change_check CHECK (
        CASE
            WHEN entry_type = 'status_change'
                THEN to_status IS NOT NULL AND to_status IS DISTINCT FROM from_status
            ELSE from_status IS NULL AND to_status IS NULL
        END
    )
);

CREATE INDEX maintenance_logs_organization_id_work_order_id_logged_at_idx
ON cmms.maintenance_logs (organization_id, work_order_id, logged_at);

CREATE INDEX maintenance_logs_organization_id_asset_id_logged_at_idx
ON cmms.maintenance_logs (organization_id, asset_id, logged_at);

CREATE INDEX maintenance_logs_organization_id_logged_by_user_id_idx
ON cmms.maintenance_logs (organization_id, logged_by_user_id);

CREATE TRIGGER maintenance_logs_set_updated_at
BEFORE UPDATE ON cmms.maintenance_logs
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.maintenance_logs IS
'History of a work order and its asset: status changes, notes, inspection results, failures and repairs.';
COMMENT ON COLUMN cmms.maintenance_logs.work_order_id IS
'The work order the entry belongs to; deleting it deletes its log.';
COMMENT ON COLUMN cmms.maintenance_logs.asset_id IS
'Asset the entry is about, if any; cleared (only this column) when the asset is deleted.';
COMMENT ON COLUMN cmms.maintenance_logs.entry_type IS
'status_change (to_status required), note, inspection_result, failure or repair.';
COMMENT ON COLUMN cmms.maintenance_logs.from_status IS
'Work order status before a status change (a work order status); NULL for other entries.';
COMMENT ON COLUMN cmms.maintenance_logs.to_status IS
'Work order status after a status change (a work order status, not from_status); required for status_change, '
'NULL for other entries.';
COMMENT ON COLUMN cmms.maintenance_logs.message IS
'What happened, in words.';
COMMENT ON COLUMN cmms.maintenance_logs.logged_by_user_id IS
'User who wrote the entry; cleared (only this column) when that user is deleted.';
COMMENT ON COLUMN cmms.maintenance_logs.logged_at IS
'When it happened (defaults to the time of insert); the log of a work order is read in this order.';
COMMENT ON COLUMN cmms.maintenance_logs.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.maintenance_logs.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.maintenance_logs.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.maintenance_logs ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.maintenance_logs FORCE ROW LEVEL SECURITY;

CREATE POLICY maintenance_logs_select ON cmms.maintenance_logs
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY maintenance_logs_insert ON cmms.maintenance_logs
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY maintenance_logs_update ON cmms.maintenance_logs
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY maintenance_logs_delete ON cmms.maintenance_logs
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.maintenance_logs TO cmms_app;

GRANT SELECT ON cmms.maintenance_logs TO cmms_readonly;

CREATE TRIGGER maintenance_logs_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.maintenance_logs
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_maintenance_logs WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.maintenance_logs
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_maintenance_logs IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_maintenance_logs FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_maintenance_logs TO cmms_app, cmms_readonly;
