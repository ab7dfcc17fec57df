-- Labor entries: who worked how long on which work order, at what rate, with the cost
-- computed; with row-level security, grants, audit trigger and soft-delete view
-- (scaffolded by `cmmsdb new --template tenant-table`).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.labor_entries (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    work_order_id uuid NOT NULL,
    user_id uuid,
    started_at timestamptz NOT NULL,
    ended_at timestamptz,
    minutes integer NOT NULL,
    hourly_rate numeric(12, 2) NOT NULL DEFAULT 0,
    cost numeric(14, 2) GENERATED ALWAYS AS (round(minutes * hourly_rate / 60, 2)) STORED,
    currency text NOT NULL DEFAULT 'USD',
    is_billable boolean NOT NULL DEFAULT TRUE,
    notes text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT labor_entries_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT labor_entries_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT labor_entries_work_order_fkey FOREIGN KEY (organization_id, work_order_id)
    REFERENCES cmms.work_orders (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT labor_entries_user_fkey FOREIGN KEY (organization_id, user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE SET NULL (user_id),
    CONSTRAINT labor_entries_ended_at_check CHECK (ended_at > started_at),
    CONSTRAINT labor_entries_minutes_check CHECK (minutes > 0),
    CONSTRAINT labor_entries_hourly_rate_check CHECK (hourly_rate >= 0),
    CONSTRAINT labor_entries_currency_check CHECK (currency ~ '^[A-Z]{3}$')
);

CREATE INDEX labor_entries_organization_id_work_order_id_idx
ON cmms.labor_entries (organization_id, work_order_id);

CREATE INDEX labor_entries_organization_id_user_id_started_at_idx
ON cmms.labor_entries (organization_id, user_id, started_at);

CREATE TRIGGER labor_entries_set_updated_at
BEFORE UPDATE ON cmms.labor_entries
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.labor_entries IS
'Time worked on work orders: who, when, how many minutes, at what hourly rate, and the resulting cost.';
COMMENT ON COLUMN cmms.labor_entries.work_order_id IS
'The work order worked on; deleting it deletes its labor entries.';
COMMENT ON COLUMN cmms.labor_entries.user_id IS
'Who worked; cleared (only this column) when that user is deleted, so the hours and costs remain.';
COMMENT ON COLUMN cmms.labor_entries.started_at IS
'When the work started.';
COMMENT ON COLUMN cmms.labor_entries.ended_at IS
'When the work ended, if recorded; after started_at.';
COMMENT ON COLUMN cmms.labor_entries.minutes IS
'Minutes worked (positive); the time billed, which may be less than ended_at - started_at (breaks).';
COMMENT ON COLUMN cmms.labor_entries.hourly_rate IS
'Rate per hour in currency, copied when the entry is made (users.hourly_rate may change later).';
COMMENT ON COLUMN cmms.labor_entries.cost IS
'Cost of the entry in currency, generated: minutes * hourly_rate / 60, rounded to cents.';
COMMENT ON COLUMN cmms.labor_entries.currency IS
'ISO 4217 code of hourly_rate and cost (e.g. USD, EUR).';
COMMENT ON COLUMN cmms.labor_entries.is_billable IS
'Whether the time is billed to the customer or cost centre.';
COMMENT ON COLUMN cmms.labor_entries.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.labor_entries.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.labor_entries.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.labor_entries ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.labor_entries FORCE ROW LEVEL SECURITY;

CREATE POLICY labor_entries_select ON cmms.labor_entries
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY labor_entries_insert ON cmms.labor_entries
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY labor_entries_update ON cmms.labor_entries
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY labor_entries_delete ON cmms.labor_entries
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.labor_entries TO cmms_app;

GRANT SELECT ON cmms.labor_entries TO cmms_readonly;

CREATE TRIGGER labor_entries_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.labor_entries
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_labor_entries WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.labor_entries
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_labor_entries IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_labor_entries FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_labor_entries TO cmms_app, cmms_readonly;
