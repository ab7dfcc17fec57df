-- Entity tags: which tag is on which record (a work order, an asset, a part...), with
-- row-level security, grants, audit trigger and soft-delete view (scaffolded by
-- `cmmsdb new --template tenant-table`). The tagged record is a polymorphic reference
-- (entity_type, entity_id) without a foreign key.
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.entity_tags (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tag_id uuid NOT NULL,
    entity_type text NOT NULL,
    entity_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT entity_tags_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT entity_tags_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT entity_tags_tag_fkey FOREIGN KEY (organization_id, tag_id)
    REFERENCES cmms.tags (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT entity_tags_entity_type_check CHECK (
        entity_type IN (
            'work_order', 'work_request', 'asset', 'location', 'part', 'purchase_order', 'vendor',
            'contractor', 'pm_schedule', 'checklist', 'comment', 'user', 'team', 'meter'
        )
    )
);

CREATE UNIQUE INDEX entity_tags_organization_id_tag_id_entity_type_entity_id_key
ON cmms.entity_tags (organization_id, tag_id, entity_type, entity_id)
WHERE deleted_at IS NULL;

CREATE INDEX entity_tags_organization_id_tag_id_idx
ON cmms.entity_tags (organization_id, tag_id);

CREATE INDEX entity_tags_organization_id_entity_type_entity_id_idx
ON cmms.entity_tags (organization_id, entity_type, entity_id);

CREATE TRIGGER entity_tags_set_updated_at
BEFORE UPDATE ON cmms.entity_tags
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.entity_tags IS
'A tag put on a record: one live row per tag and record; deleting the tag removes it from every record.';
COMMENT ON COLUMN cmms.entity_tags.tag_id IS
'The tag (cmms.tags); the row is deleted with the tag.';
COMMENT ON COLUMN cmms.entity_tags.entity_type IS
'Kind of the tagged record, which names its table: work_order (cmms.work_orders), asset, part, user, team...';
COMMENT ON COLUMN cmms.entity_tags.entity_id IS
'id of the tagged record in the table of entity_type, same organization. Polymorphic: no foreign key, so '
'the application (or a later trigger) must keep it valid and remove the row when the record is deleted.';
COMMENT ON COLUMN cmms.entity_tags.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.entity_tags.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.entity_tags.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.entity_tags ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.entity_tags FORCE ROW LEVEL SECURITY;

CREATE POLICY entity_tags_select ON cmms.entity_tags
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY entity_tags_insert ON cmms.entity_tags
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY entity_tags_update ON cmms.entity_tags
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY entity_tags_delete ON cmms.entity_tags
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.entity_tags TO cmms_app;

GRANT SELECT ON cmms.entity_tags TO cmms_readonly;

CREATE TRIGGER entity_tags_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.entity_tags
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_entity_tags WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.entity_tags
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_entity_tags IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_entity_tags FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_entity_tags TO cmms_app, cmms_readonly;
