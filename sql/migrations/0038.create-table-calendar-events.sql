-- Calendar events: maintenance windows, shutdowns, inspections, meetings and holidays,
-- optionally recurring (an RFC 5545 RRULE) and tied to a location, work order, team or
-- user; with row-level security, grants, audit trigger and soft-delete view (scaffolded
-- by `cmmsdb new --template tenant-table`).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.calendar_events (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    title text NOT NULL,
    description text,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    all_day boolean NOT NULL DEFAULT FALSE,
    event_type text NOT NULL DEFAULT 'other',
    location_id uuid,
    work_order_id uuid,
    team_id uuid,
    user_id uuid,
    recurrence_rule text,
    time_zone text NOT NULL DEFAULT 'UTC',
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT calendar_events_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT calendar_events_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT calendar_events_location_fkey FOREIGN KEY (organization_id, location_id)
    REFERENCES cmms.locations (organization_id, id) ON DELETE SET NULL (location_id),
    CONSTRAINT calendar_events_work_order_fkey FOREIGN KEY (organization_id, work_order_id)
    REFERENCES cmms.work_orders (organization_id, id) ON DELETE SET NULL (work_order_id),
    CONSTRAINT calendar_events_team_fkey FOREIGN KEY (organization_id, team_id)
    REFERENCES cmms.teams (organization_id, id) ON DELETE SET NULL (team_id),
    CONSTRAINT calendar_events_user_fkey FOREIGN KEY (organization_id, user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE SET NULL (user_id),
    CONSTRAINT calendar_events_title_check CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    CONSTRAINT calendar_events_ends_at_check CHECK (ends_at >= starts_at),
    CONSTRAINT calendar_events_event_type_check CHECK (
        event_type IN ('maintenance_window', 'shutdown', 'inspection', 'meeting', 'holiday', 'other')
    ),
    CONSTRAINT calendar_events_recurrence_rule_check CHECK (
        recurrence_rule ~ '^FREQ=(SECONDLY|MINUTELY|HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY)(;[A-Z]+=[^;]+)*$'
    ),
    -- The shape of an IANA name (Europe/Paris, America/Argentina/Buenos_Aires, UTC, Etc/GMT+5);
    -- a CHECK cannot look the name up in pg_timezone_names.
    CONSTRAINT calendar_events_time_zone_check CHECK (time_zone ~ '^[A-Za-z][A-Za-z0-9_+/-]{0,63}$')
);

CREATE INDEX calendar_events_organization_id_starts_at_idx
ON cmms.calendar_events (organization_id, starts_at);

CREATE INDEX calendar_events_organization_id_location_id_idx
ON cmms.calendar_events (organization_id, location_id);

CREATE INDEX calendar_events_organization_id_work_order_id_idx
ON cmms.calendar_events (organization_id, work_order_id);

CREATE INDEX calendar_events_organization_id_team_id_idx
ON cmms.calendar_events (organization_id, team_id);

CREATE INDEX calendar_events_organization_id_user_id_idx
ON cmms.calendar_events (organization_id, user_id);

CREATE TRIGGER calendar_events_set_updated_at
BEFORE UPDATE ON cmms.calendar_events
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.calendar_events IS
'Events on the maintenance calendar: maintenance windows, shutdowns, inspections, meetings, holidays; '
'optionally recurring.';
COMMENT ON COLUMN cmms.calendar_events.starts_at IS
'When the event (its first occurrence, if recurring) starts.';
COMMENT ON COLUMN cmms.calendar_events.ends_at IS
'When the event (its first occurrence) ends; not before starts_at.';
COMMENT ON COLUMN cmms.calendar_events.all_day IS
'Whether the event takes whole days (of time_zone) rather than the exact times; '
'starts_at and ends_at then fall at midnight there.';
COMMENT ON COLUMN cmms.calendar_events.event_type IS
'maintenance_window, shutdown, inspection, meeting, holiday or other.';
COMMENT ON COLUMN cmms.calendar_events.location_id IS
'Location concerned, if any; cleared (only this column) when the location is deleted.';
COMMENT ON COLUMN cmms.calendar_events.work_order_id IS
'Work order scheduled by the event, if any; cleared (only this column) when the work order is deleted.';
COMMENT ON COLUMN cmms.calendar_events.team_id IS
'Team concerned, if any; cleared (only this column) when the team is deleted.';
COMMENT ON COLUMN cmms.calendar_events.user_id IS
'User concerned, if any; cleared (only this column) when that user is deleted.';
COMMENT ON COLUMN cmms.calendar_events.recurrence_rule IS
'RFC 5545 RRULE value (e.g. FREQ=WEEKLY;BYDAY=MO), without the RRULE: prefix; NULL for a single event. '
'Occurrences repeat from starts_at, with the duration ends_at - starts_at.';
COMMENT ON COLUMN cmms.calendar_events.time_zone IS
'IANA time zone of the event (e.g. Europe/Paris), in which recurrences and all-day events are reckoned.';
COMMENT ON COLUMN cmms.calendar_events.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.calendar_events.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.calendar_events.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.calendar_events ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.calendar_events FORCE ROW LEVEL SECURITY;

CREATE POLICY calendar_events_select ON cmms.calendar_events
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY calendar_events_insert ON cmms.calendar_events
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY calendar_events_update ON cmms.calendar_events
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY calendar_events_delete ON cmms.calendar_events
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.calendar_events TO cmms_app;

GRANT SELECT ON cmms.calendar_events TO cmms_readonly;

CREATE TRIGGER calendar_events_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.calendar_events
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_calendar_events WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.calendar_events
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_calendar_events IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_calendar_events FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_calendar_events TO cmms_app, cmms_readonly;
