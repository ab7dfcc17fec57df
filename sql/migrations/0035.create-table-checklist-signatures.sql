-- Checklist signatures: who signed off a checklist, in what role and when, with the hash
-- of the signature image; with row-level security, grants, audit trigger and soft-delete
-- view (scaffolded by `cmmsdb new --template tenant-table`).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.checklist_signatures (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    checklist_id uuid NOT NULL,
    signed_by_user_id uuid,
    signer_name text NOT NULL,
    signer_role text,
    signed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    signature_sha256 text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT checklist_signatures_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT checklist_signatures_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT checklist_signatures_checklist_fkey FOREIGN KEY (organization_id, checklist_id)
    REFERENCES cmms.checklists (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT checklist_signatures_signed_by_user_fkey FOREIGN KEY (organization_id, signed_by_user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE SET NULL (signed_by_user_id),
    CONSTRAINT checklist_signatures_signer_name_check CHECK (length(btrim(signer_name)) BETWEEN 1 AND 200),
    CONSTRAINT checklist_signatures_signer_role_check CHECK (length(btrim(signer_role)) BETWEEN 1 AND 200),
    CONSTRAINT checklist_signatures_signature_sha256_check CHECK (signature_sha256 ~ '^[0-9a-f]{64}$')
);

-- A user signs a checklist once; signatures whose user was deleted (NULL) do not collide.
CREATE UNIQUE INDEX checklist_signatures_checklist_id_signed_by_user_id_key
ON cmms.checklist_signatures (organization_id, checklist_id, signed_by_user_id)
WHERE deleted_at IS NULL;

-- Not partial, unlike the unique index: the cascade from a deleted checklist must also
-- find the soft-deleted signatures.
CREATE INDEX checklist_signatures_organization_id_checklist_id_idx
ON cmms.checklist_signatures (organization_id, checklist_id);

CREATE INDEX checklist_signatures_organization_id_signed_by_user_id_idx
ON cmms.checklist_signatures (organization_id, signed_by_user_id);

CREATE TRIGGER checklist_signatures_set_updated_at
BEFORE UPDATE ON cmms.checklist_signatures
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.checklist_signatures IS
'Sign-offs of a checklist: who signed, in what role, when; one live signature per checklist and user.';
COMMENT ON COLUMN cmms.checklist_signatures.checklist_id IS
'The checklist signed; deleting it deletes its signatures.';
COMMENT ON COLUMN cmms.checklist_signatures.signed_by_user_id IS
'User who signed; cleared (only this column) when that user is deleted, signer_name remains.';
COMMENT ON COLUMN cmms.checklist_signatures.signer_name IS
'Name of the signer as signed, kept when the user is deleted.';
COMMENT ON COLUMN cmms.checklist_signatures.signer_role IS
'Capacity in which the signer signed (e.g. technician, supervisor, safety officer).';
COMMENT ON COLUMN cmms.checklist_signatures.signed_at IS
'When the checklist was signed.';
COMMENT ON COLUMN cmms.checklist_signatures.signature_sha256 IS
'SHA-256 (64 lower-case hex digits) of the signature image, which is stored as an attachment; '
'proves the image was not replaced.';
COMMENT ON COLUMN cmms.checklist_signatures.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.checklist_signatures.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.checklist_signatures.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.checklist_signatures ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.checklist_signatures FORCE ROW LEVEL SECURITY;

CREATE POLICY checklist_signatures_select ON cmms.checklist_signatures
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY checklist_signatures_insert ON cmms.checklist_signatures
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY checklist_signatures_update ON cmms.checklist_signatures
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY checklist_signatures_delete ON cmms.checklist_signatures
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.checklist_signatures TO cmms_app;

GRANT SELECT ON cmms.checklist_signatures TO cmms_readonly;

CREATE TRIGGER checklist_signatures_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.checklist_signatures
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_checklist_signatures WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.checklist_signatures
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_checklist_signatures IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_checklist_signatures FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_checklist_signatures TO cmms_app, cmms_readonly;
