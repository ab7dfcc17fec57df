-- Tags: an organization's labels (a name and an optional colour) that can be put on work
-- orders, assets, parts and the other entities listed in cmms.entity_tags, with row-level
-- security, grants, audit trigger and soft-delete view (scaffolded by
-- `cmmsdb new --template tenant-table`).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.tags (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL,
    color text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT tags_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT tags_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT tags_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT tags_color_check CHECK (color ~ '^#[0-9a-fA-F]{6}$')
);

CREATE UNIQUE INDEX tags_organization_id_name_key
ON cmms.tags (organization_id, lower(name))
WHERE deleted_at IS NULL;

CREATE TRIGGER tags_set_updated_at
BEFORE UPDATE ON cmms.tags
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.tags IS
'Labels of an organization that can be put on its records (through cmms.entity_tags) to group and filter them.';
COMMENT ON COLUMN cmms.tags.name IS
'Name of the tag, unique (case-insensitively) among the live tags of an organization.';
COMMENT ON COLUMN cmms.tags.color IS
'Display colour as #rrggbb (hexadecimal digits); NULL lets the application choose.';
COMMENT ON COLUMN cmms.tags.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.tags.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.tags.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.tags ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.tags FORCE ROW LEVEL SECURITY;

CREATE POLICY tags_select ON cmms.tags
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY tags_insert ON cmms.tags
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY tags_update ON cmms.tags
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY tags_delete ON cmms.tags
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.tags TO cmms_app;

GRANT SELECT ON cmms.tags TO cmms_readonly;

CREATE TRIGGER tags_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.tags
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_tags WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.tags
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_tags IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_tags FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_tags TO cmms_app, cmms_readonly;
