-- Attachments: files (photos, manuals, invoices) stored in S3, Cloudinary or on local
-- disk and attached to a record, with row-level security, grants, audit trigger and
-- soft-delete view (scaffolded by `cmmsdb new --template tenant-table`). The record is a
-- polymorphic reference (entity_type, entity_id) without a foreign key; the file itself is
-- not in the database, only where it is stored.
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.attachments (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    storage_backend text NOT NULL,
    storage_key text NOT NULL,
    file_name text NOT NULL,
    content_type text NOT NULL,
    size_bytes bigint NOT NULL,
    checksum_sha256 text,
    entity_type text NOT NULL,
    entity_id uuid NOT NULL,
    uploaded_by_user_id uuid,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT attachments_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT attachments_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT attachments_uploaded_by_user_fkey FOREIGN KEY (organization_id, uploaded_by_user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE SET NULL (uploaded_by_user_id),
    CONSTRAINT attachments_storage_backend_check CHECK (storage_backend IN ('s3', 'cloudinary', 'local')),
    CONSTRAINT attachments_storage_key_check CHECK (length(storage_key) BETWEEN 1 AND 1024),
    CONSTRAINT attachments_file_name_check CHECK (length(btrim(file_name)) BETWEEN 1 AND 255),
    CONSTRAINT attachments_content_type_check CHECK (
        content_type ~ '^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$'
    ),
    CONSTRAINT attachments_size_bytes_check CHECK (size_bytes >= 0),
    CONSTRAINT attachments_checksum_sha256_check CHECK (checksum_sha256 ~ '^[0-9a-f]{64}$'),
    CONSTRAINT attachments_entity_type_check CHECK (
        entity_type IN (
            'work_order', 'work_request', 'asset', 'location', 'part', 'purchase_order', 'vendor',
            'contractor', 'pm_schedule', 'checklist', 'comment', 'user', 'team', 'meter'
        )
    )
);

CREATE UNIQUE INDEX attachments_organization_id_storage_backend_storage_key_key
ON cmms.attachments (organization_id, storage_backend, storage_key)
WHERE deleted_at IS NULL;

CREATE INDEX attachments_organization_id_entity_type_entity_id_idx
ON cmms.attachments (organization_id, entity_type, entity_id);

CREATE INDEX attachments_organization_id_uploaded_by_user_id_idx
ON cmms.attachments (organization_id, uploaded_by_user_id);

CREATE TRIGGER attachments_set_updated_at
BEFORE UPDATE ON cmms.attachments
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.attachments IS
'Files attached to a record (a work order, an asset...): where the file is stored and what it is; '
'the content itself is not in the database.';
COMMENT ON COLUMN cmms.attachments.storage_backend IS
'Where the file is stored: s3 (an S3-compatible bucket), cloudinary or local (a disk of the application).';
COMMENT ON COLUMN cmms.attachments.storage_key IS
'Key of the file in its storage backend (object key, Cloudinary public id or relative path), '
'unique per backend among the live attachments of an organization.';
COMMENT ON COLUMN cmms.attachments.file_name IS
'Name of the file as uploaded, used for downloads (up to 255 characters).';
COMMENT ON COLUMN cmms.attachments.content_type IS
'MIME type of the file, lower-case and without parameters (e.g. image/jpeg, application/pdf).';
COMMENT ON COLUMN cmms.attachments.size_bytes IS
'Size of the file in bytes.';
COMMENT ON COLUMN cmms.attachments.checksum_sha256 IS
'SHA-256 of the content as 64 lower-case hexadecimal digits, to check integrity and find duplicates; '
'NULL until computed.';
COMMENT ON COLUMN cmms.attachments.entity_type IS
'Kind of the record the file is attached to, which names its table: work_order (cmms.work_orders), asset...';
COMMENT ON COLUMN cmms.attachments.entity_id IS
'id of the record in the table of entity_type, same organization. Polymorphic: no foreign key, so '
'the application (or a later trigger) must keep it valid and remove the row when the record is deleted.';
COMMENT ON COLUMN cmms.attachments.uploaded_by_user_id IS
'User who uploaded the file; cleared (only this column) when that user is deleted.';
COMMENT ON COLUMN cmms.attachments.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.attachments.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.attachments.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.attachments ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.attachments FORCE ROW LEVEL SECURITY;

CREATE POLICY attachments_select ON cmms.attachments
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY attachments_insert ON cmms.attachments
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY attachments_update ON cmms.attachments
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY attachments_delete ON cmms.attachments
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.attachments TO cmms_app;

GRANT SELECT ON cmms.attachments TO cmms_readonly;

CREATE TRIGGER attachments_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.attachments
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_attachments WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.attachments
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_attachments IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_attachments FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_attachments TO cmms_app, cmms_readonly;
