-- Meters: what is counted or measured on an asset (running hours, cycles, kilometres,
-- a temperature), the basis of meter-based preventive maintenance.
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.meters (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    asset_id uuid NOT NULL,
    name text NOT NULL,
    unit text NOT NULL,
    meter_type text NOT NULL DEFAULT 'cumulative',
    description text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT meters_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT meters_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT meters_asset_fkey FOREIGN KEY (organization_id, asset_id)
    REFERENCES cmms.assets (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT meters_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT meters_unit_check CHECK (
        unit IN ('hours', 'cycles', 'km', 'miles', 'kwh', 'liters', 'gallons', 'celsius', 'bar', 'count')
    ),
    CONSTRAINT meters_meter_type_check CHECK (meter_type IN ('cumulative', 'gauge'))
);

CREATE UNIQUE INDEX meters_organization_id_asset_id_name_key
ON cmms.meters (organization_id, asset_id, lower(name))
WHERE deleted_at IS NULL;

CREATE TRIGGER meters_set_updated_at
BEFORE UPDATE ON cmms.meters
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.meters IS
'What is counted or measured on an asset (hours, cycles, km, a temperature); read in meter_readings.';
COMMENT ON COLUMN cmms.meters.name IS
'Name, unique (case-insensitively) among the live meters of the asset.';
COMMENT ON COLUMN cmms.meters.unit IS
'Unit of the readings: hours, cycles, km, miles, kwh, liters, gallons, celsius, bar or count.';
COMMENT ON COLUMN cmms.meters.meter_type IS
'cumulative (only grows, like an odometer: PM triggers on the distance since the last service) or gauge.';
COMMENT ON COLUMN cmms.meters.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.meters.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.meters.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.meters ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.meters FORCE ROW LEVEL SECURITY;

CREATE POLICY meters_select ON cmms.meters
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY meters_insert ON cmms.meters
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY meters_update ON cmms.meters
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY meters_delete ON cmms.meters
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.meters TO cmms_app;

GRANT SELECT ON cmms.meters TO cmms_readonly;

CREATE TRIGGER meters_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.meters
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_meters WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.meters
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_meters IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_meters FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_meters TO cmms_app, cmms_readonly;
