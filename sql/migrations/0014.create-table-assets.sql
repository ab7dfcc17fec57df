-- Assets: the equipment that is maintained (a pump, a vehicle, an HVAC unit and its parts),
-- as a hierarchy, placed at a location and optionally on the map, with a weighted
-- full-text search vector over its identifying text.
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.assets (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    parent_id uuid,
    location_id uuid,
    name text NOT NULL,
    asset_tag text,
    category text,
    manufacturer text,
    model text,
    serial_number text,
    description text,
    status text NOT NULL DEFAULT 'up',
    criticality text NOT NULL DEFAULT 'medium',
    installed_on date,
    purchased_on date,
    purchase_cost numeric(12, 2),
    warranty_expires_on date,
    latitude double precision,
    longitude double precision,
    search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, coalesce(asset_tag, '') || ' ' || coalesce(serial_number, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, name), 'A')
        || setweight(
            to_tsvector(
                'english'::regconfig,
                coalesce(manufacturer, '') || ' ' || coalesce(model, '') || ' ' || coalesce(category, '')
            ),
            'B'
        )
        || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')
    ) STORED,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT assets_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT assets_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT assets_parent_fkey FOREIGN KEY (organization_id, parent_id)
    REFERENCES cmms.assets (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT assets_location_fkey FOREIGN KEY (organization_id, location_id)
    REFERENCES cmms.locations (organization_id, id) ON DELETE SET NULL (location_id),
    CONSTRAINT assets_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT assets_status_check CHECK (status IN ('up', 'down')),
    CONSTRAINT assets_criticality_check CHECK (criticality IN ('low', 'medium', 'high', 'critical')),
    CONSTRAINT assets_purchase_cost_check CHECK (purchase_cost >= 0),
    CONSTRAINT assets_latitude_check CHECK (latitude BETWEEN -90 AND 90),
    CONSTRAINT assets_longitude_check CHECK (longitude BETWEEN -180 AND 180),
    CONSTRAINT assets_coordinates_check CHECK ((latitude IS NULL) = (longitude IS NULL))
);

CREATE UNIQUE INDEX assets_organization_id_asset_tag_key
ON cmms.assets (organization_id, lower(asset_tag))
WHERE deleted_at IS NULL;

CREATE INDEX assets_organization_id_parent_id_idx
ON cmms.assets (organization_id, parent_id);

CREATE INDEX assets_organization_id_location_id_idx
ON cmms.assets (organization_id, location_id);

CREATE INDEX assets_search_vector_idx
ON cmms.assets USING gin (search_vector);

CREATE INDEX assets_earth_point_idx
ON cmms.assets USING gist (cmms.earth_point(latitude, longitude));

CREATE TRIGGER assets_set_updated_at
BEFORE UPDATE ON cmms.assets
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

CREATE TRIGGER assets_refuse_cycle
BEFORE INSERT OR UPDATE OF parent_id ON cmms.assets
FOR EACH ROW EXECUTE FUNCTION cmms.refuse_hierarchy_cycle();

COMMENT ON TABLE cmms.assets IS
'Equipment that is maintained: a tree of assets and their components, each at a location.';
COMMENT ON COLUMN cmms.assets.parent_id IS
'The asset this one is a component of (NULL for a top-level asset); deleting it deletes the components.';
COMMENT ON COLUMN cmms.assets.location_id IS
'Where the asset stands; cleared (only this column) when the location is deleted.';
COMMENT ON COLUMN cmms.assets.asset_tag IS
'The organization''s label on the asset (e.g. PMP-0042), unique (case-insensitively) among live assets.';
COMMENT ON COLUMN cmms.assets.category IS
'Free-text category (pump, vehicle, HVAC...), searchable.';
COMMENT ON COLUMN cmms.assets.status IS
'up (operational) or down (out of service).';
COMMENT ON COLUMN cmms.assets.criticality IS
'How much its failure matters: low, medium, high or critical.';
COMMENT ON COLUMN cmms.assets.warranty_expires_on IS
'Last day of the manufacturer''s warranty, if any.';
COMMENT ON COLUMN cmms.assets.latitude IS
'WGS 84 latitude in degrees (-90 to 90); set together with longitude, or neither.';
COMMENT ON COLUMN cmms.assets.longitude IS
'WGS 84 longitude in degrees (-180 to 180); indexed with latitude through cmms.earth_point() for radius search.';
COMMENT ON COLUMN cmms.assets.search_vector IS
'Full-text search vector (generated): tag, serial number and name weigh A; maker, model, category B; description C.';
COMMENT ON COLUMN cmms.assets.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.assets.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.assets.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.assets ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.assets FORCE ROW LEVEL SECURITY;

CREATE POLICY assets_select ON cmms.assets
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY assets_insert ON cmms.assets
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY assets_update ON cmms.assets
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY assets_delete ON cmms.assets
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.assets TO cmms_app;

GRANT SELECT ON cmms.assets TO cmms_readonly;

CREATE TRIGGER assets_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.assets
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_assets WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.assets
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_assets IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_assets FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_assets TO cmms_app, cmms_readonly;
