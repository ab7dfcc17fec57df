-- Meter readings: the values read from a meter over time, by hand, by import or from a
-- connected device.
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.meter_readings (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    meter_id uuid NOT NULL,
    value numeric(14, 3) NOT NULL,
    read_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    source text NOT NULL DEFAULT 'manual',
    recorded_by_user_id uuid,
    note text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT meter_readings_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT meter_readings_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT meter_readings_meter_fkey FOREIGN KEY (organization_id, meter_id)
    REFERENCES cmms.meters (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT meter_readings_recorded_by_user_fkey FOREIGN KEY (organization_id, recorded_by_user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE SET NULL (recorded_by_user_id),
    CONSTRAINT meter_readings_source_check CHECK (source IN ('manual', 'import', 'device'))
);

CREATE INDEX meter_readings_organization_id_meter_id_read_at_idx
ON cmms.meter_readings (organization_id, meter_id, read_at DESC);

CREATE INDEX meter_readings_organization_id_recorded_by_user_id_idx
ON cmms.meter_readings (organization_id, recorded_by_user_id);

CREATE TRIGGER meter_readings_set_updated_at
BEFORE UPDATE ON cmms.meter_readings
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.meter_readings IS
'Values read from a meter over time; the latest per meter is found through (meter_id, read_at DESC).';
COMMENT ON COLUMN cmms.meter_readings.value IS
'The value read, in the unit of the meter.';
COMMENT ON COLUMN cmms.meter_readings.read_at IS
'When the value was read (not when it was recorded, which is created_at).';
COMMENT ON COLUMN cmms.meter_readings.source IS
'manual (typed by a user), import (from a file) or device (sent by a connected sensor).';
COMMENT ON COLUMN cmms.meter_readings.recorded_by_user_id IS
'User who recorded a manual reading; cleared (only this column) when that user is deleted.';
COMMENT ON COLUMN cmms.meter_readings.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.meter_readings.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.meter_readings.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.meter_readings ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.meter_readings FORCE ROW LEVEL SECURITY;

CREATE POLICY meter_readings_select ON cmms.meter_readings
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY meter_readings_insert ON cmms.meter_readings
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY meter_readings_update ON cmms.meter_readings
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY meter_readings_delete ON cmms.meter_readings
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.meter_readings TO cmms_app;

GRANT SELECT ON cmms.meter_readings TO cmms_readonly;

CREATE TRIGGER meter_readings_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.meter_readings
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_meter_readings WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.meter_readings
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_meter_readings IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_meter_readings FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_meter_readings TO cmms_app, cmms_readonly;
