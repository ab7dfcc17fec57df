-- Preventive maintenance schedules: for an asset, create a work order from a template
-- every calendar interval (every 3 months) or every meter interval (every 500 hours).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.pm_schedules (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL,
    asset_id uuid NOT NULL,
    template_id uuid NOT NULL,
    trigger_type text NOT NULL DEFAULT 'calendar',
    calendar_interval interval,
    meter_id uuid,
    meter_interval numeric(14, 3),
    lead_time interval NOT NULL DEFAULT '0 days',
    starts_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    ends_at timestamptz,
    next_due_at timestamptz,
    next_due_meter_value numeric(14, 3),
    last_generated_at timestamptz,
    is_active boolean NOT NULL DEFAULT TRUE,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT pm_schedules_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT pm_schedules_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT pm_schedules_asset_fkey FOREIGN KEY (organization_id, asset_id)
    REFERENCES cmms.assets (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT pm_schedules_template_fkey FOREIGN KEY (organization_id, template_id)
    REFERENCES cmms.work_order_templates (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT pm_schedules_meter_fkey FOREIGN KEY (organization_id, meter_id)
    REFERENCES cmms.meters (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT pm_schedules_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT pm_schedules_trigger_type_check CHECK (trigger_type IN ('calendar', 'meter')),
    CONSTRAINT pm_schedules_calendar_check CHECK (
        trigger_type <> 'calendar'
        OR (calendar_interval > interval '0' AND meter_id IS NULL AND meter_interval IS NULL)
    ),
    CONSTRAINT pm_schedules_meter_check CHECK (
        trigger_type <> 'meter'
        OR (meter_id IS NOT NULL AND meter_interval > 0 AND calendar_interval IS NULL)
    ),
    CONSTRAINT pm_schedules_lead_time_check CHECK (lead_time >= interval '0'),
    CONSTRAINT pm_schedules_ends_at_check CHECK (ends_at > starts_at)
);

CREATE INDEX pm_schedules_organization_id_asset_id_idx
ON cmms.pm_schedules (organization_id, asset_id);

CREATE INDEX pm_schedules_organization_id_template_id_idx
ON cmms.pm_schedules (organization_id, template_id);

CREATE INDEX pm_schedules_organization_id_meter_id_idx
ON cmms.pm_schedules (organization_id, meter_id);

CREATE INDEX pm_schedules_organization_id_next_due_at_idx
ON cmms.pm_schedules (organization_id, next_due_at)
WHERE is_active AND deleted_at IS NULL;

CREATE TRIGGER pm_schedules_set_updated_at
BEFORE UPDATE ON cmms.pm_schedules
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.pm_schedules IS
'Preventive maintenance: for an asset, a work order from a template every calendar or meter interval.';
COMMENT ON COLUMN cmms.pm_schedules.trigger_type IS
'calendar (every calendar_interval) or meter (every meter_interval units read on meter_id).';
COMMENT ON COLUMN cmms.pm_schedules.calendar_interval IS
'For calendar schedules: the time between two due dates (e.g. 3 mons, 14 days).';
COMMENT ON COLUMN cmms.pm_schedules.meter_id IS
'For meter schedules: the meter whose readings make the schedule due.';
COMMENT ON COLUMN cmms.pm_schedules.meter_interval IS
'For meter schedules: the units (in the meter''s unit) between two services.';
COMMENT ON COLUMN cmms.pm_schedules.lead_time IS
'How long before the due date the work order is created.';
COMMENT ON COLUMN cmms.pm_schedules.starts_at IS
'First due date of a calendar schedule; no work order is due before it.';
COMMENT ON COLUMN cmms.pm_schedules.ends_at IS
'When the schedule stops (NULL: never).';
COMMENT ON COLUMN cmms.pm_schedules.next_due_at IS
'Next due date of a calendar schedule, advanced each time a work order is generated.';
COMMENT ON COLUMN cmms.pm_schedules.next_due_meter_value IS
'Meter value at which a meter schedule is next due, advanced each time a work order is generated.';
COMMENT ON COLUMN cmms.pm_schedules.last_generated_at IS
'When a work order was last generated from this schedule.';
COMMENT ON COLUMN cmms.pm_schedules.is_active IS
'Paused schedules (FALSE) generate nothing.';
COMMENT ON COLUMN cmms.pm_schedules.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.pm_schedules.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.pm_schedules.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.pm_schedules ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.pm_schedules FORCE ROW LEVEL SECURITY;

CREATE POLICY pm_schedules_select ON cmms.pm_schedules
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY pm_schedules_insert ON cmms.pm_schedules
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY pm_schedules_update ON cmms.pm_schedules
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY pm_schedules_delete ON cmms.pm_schedules
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.pm_schedules TO cmms_app;

GRANT SELECT ON cmms.pm_schedules TO cmms_readonly;

CREATE TRIGGER pm_schedules_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.pm_schedules
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_pm_schedules WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.pm_schedules
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_pm_schedules IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_pm_schedules FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_pm_schedules TO cmms_app, cmms_readonly;
