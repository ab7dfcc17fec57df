-- Locations: the places where assets stand and work happens, as a hierarchy (a site holds
-- buildings, a building floors and rooms), with optional coordinates indexed for distance
-- search; and cmms.refuse_hierarchy_cycle(), the trigger that keeps such hierarchies trees.
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.refuse_hierarchy_cycle()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    found boolean;
BEGIN
    IF NEW.parent_id IS NULL THEN
        RETURN NEW;
    END IF;
    found := NEW.parent_id = NEW.id;
    IF NOT found THEN
        EXECUTE format(
            'WITH RECURSIVE up (id, parent_id) AS ('
            '    SELECT id, parent_id FROM %1$I.%2$I WHERE organization_id = $1 AND id = $2'
            '    UNION'
            '    SELECT t.id, t.parent_id FROM %1$I.%2$I AS t'
            '    INNER JOIN up ON t.organization_id = $1 AND t.id = up.parent_id'
            ') SELECT EXISTS (SELECT FROM up WHERE id = $3)',
            TG_TABLE_SCHEMA, TG_TABLE_NAME
        ) INTO found USING NEW.organization_id, NEW.parent_id, NEW.id;
    END IF;
    IF found THEN
        RAISE EXCEPTION '% % cannot be its own ancestor', TG_TABLE_NAME, NEW.id
            USING ERRCODE = 'check_violation', HINT = 'choose a parent_id outside its subtree';
    END IF;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION cmms.refuse_hierarchy_cycle() IS
'BEFORE INSERT OR UPDATE OF parent_id trigger for tables with (organization_id, id, parent_id): '
'refuses a parent that is the row itself or one of its descendants, so the hierarchy stays a tree.';

CREATE TABLE cmms.locations (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    parent_id uuid,
    name text NOT NULL,
    code text,
    location_type text NOT NULL DEFAULT 'site',
    address text,
    latitude double precision,
    longitude double precision,
    description text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT locations_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT locations_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT locations_parent_fkey FOREIGN KEY (organization_id, parent_id)
    REFERENCES cmms.locations (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT locations_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT locations_code_check CHECK (length(btrim(code)) BETWEEN 1 AND 50),
    CONSTRAINT locations_location_type_check CHECK (
        location_type IN ('site', 'building', 'floor', 'room', 'area', 'other')
    ),
    CONSTRAINT locations_latitude_check CHECK (latitude BETWEEN -90 AND 90),
    CONSTRAINT locations_longitude_check CHECK (longitude BETWEEN -180 AND 180),
    CONSTRAINT locations_coordinates_check CHECK ((latitude IS NULL) = (longitude IS NULL))
);

CREATE UNIQUE INDEX locations_organization_id_parent_id_name_key
ON cmms.locations (organization_id, parent_id, lower(name)) NULLS NOT DISTINCT
WHERE deleted_at IS NULL;

CREATE UNIQUE INDEX locations_organization_id_code_key
ON cmms.locations (organization_id, lower(code))
WHERE deleted_at IS NULL;

CREATE INDEX locations_earth_point_idx
ON cmms.locations USING gist (cmms.earth_point(latitude, longitude));

CREATE TRIGGER locations_set_updated_at
BEFORE UPDATE ON cmms.locations
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

CREATE TRIGGER locations_refuse_cycle
BEFORE INSERT OR UPDATE OF parent_id ON cmms.locations
FOR EACH ROW EXECUTE FUNCTION cmms.refuse_hierarchy_cycle();

COMMENT ON TABLE cmms.locations IS
'Places where assets stand and work happens: a tree of sites, buildings, floors, rooms and areas.';
COMMENT ON COLUMN cmms.locations.parent_id IS
'The location that contains this one (NULL for a top-level site); deleting it deletes the subtree.';
COMMENT ON COLUMN cmms.locations.name IS
'Name, unique (case-insensitively) among the live children of the same parent.';
COMMENT ON COLUMN cmms.locations.code IS
'Optional short code (e.g. B2-R114), unique (case-insensitively) among the organization''s live locations.';
COMMENT ON COLUMN cmms.locations.location_type IS
'site, building, floor, room, area or other.';
COMMENT ON COLUMN cmms.locations.latitude IS
'WGS 84 latitude in degrees (-90 to 90); set together with longitude, or neither.';
COMMENT ON COLUMN cmms.locations.longitude IS
'WGS 84 longitude in degrees (-180 to 180); indexed with latitude through cmms.earth_point() for radius search.';
COMMENT ON COLUMN cmms.locations.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.locations.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.locations.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.locations ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.locations FORCE ROW LEVEL SECURITY;

CREATE POLICY locations_select ON cmms.locations
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY locations_insert ON cmms.locations
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY locations_update ON cmms.locations
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY locations_delete ON cmms.locations
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.locations TO cmms_app;

GRANT SELECT ON cmms.locations TO cmms_readonly;

CREATE TRIGGER locations_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.locations
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_locations WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.locations
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_locations IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_locations FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_locations TO cmms_app, cmms_readonly;
