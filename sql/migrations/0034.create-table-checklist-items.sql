-- Checklist items: the steps of a checklist, in order, each with the kind of answer it
-- takes and, once done, the answer, who gave it and when; with row-level security, grants,
-- audit trigger and soft-delete view (scaffolded by `cmmsdb new --template tenant-table`).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.checklist_items (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    checklist_id uuid NOT NULL,
    position integer NOT NULL,
    label text NOT NULL,
    item_type text NOT NULL DEFAULT 'checkbox',
    is_required boolean NOT NULL DEFAULT TRUE,
    is_done boolean NOT NULL DEFAULT FALSE,
    done_at timestamptz,
    done_by_user_id uuid,
    result text,
    notes text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT checklist_items_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT checklist_items_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT checklist_items_checklist_fkey FOREIGN KEY (organization_id, checklist_id)
    REFERENCES cmms.checklists (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT checklist_items_done_by_user_fkey FOREIGN KEY (organization_id, done_by_user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE SET NULL (done_by_user_id),
    CONSTRAINT checklist_items_position_check CHECK (position >= 0),
    CONSTRAINT checklist_items_label_check CHECK (length(btrim(label)) BETWEEN 1 AND 500),
    CONSTRAINT checklist_items_item_type_check CHECK (
        item_type IN ('checkbox', 'text', 'number', 'pass_fail', 'photo')
    ),
    CONSTRAINT checklist_items_done_check CHECK (is_done = (done_at IS NOT NULL)),
    CONSTRAINT checklist_items_pass_fail_check CHECK (item_type <> 'pass_fail' OR result IN ('pass', 'fail')),
    CONSTRAINT checklist_items_number_check CHECK (item_type <> 'number' OR result ~ '^-?[0-9]+(\.[0-9]+)?$')
);

CREATE UNIQUE INDEX checklist_items_organization_id_checklist_id_position_key
ON cmms.checklist_items (organization_id, checklist_id, position)
WHERE deleted_at IS NULL;

-- Not partial, unlike the unique index: the cascade from a deleted checklist must also
-- find the soft-deleted items.
CREATE INDEX checklist_items_organization_id_checklist_id_idx
ON cmms.checklist_items (organization_id, checklist_id);

CREATE INDEX checklist_items_organization_id_done_by_user_id_idx
ON cmms.checklist_items (organization_id, done_by_user_id);

CREATE TRIGGER checklist_items_set_updated_at
BEFORE UPDATE ON cmms.checklist_items
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.checklist_items IS
'Steps of a checklist, in order: what to do, the kind of answer it takes and, once done, the answer.';
COMMENT ON COLUMN cmms.checklist_items.checklist_id IS
'The checklist; deleting it deletes its items.';
COMMENT ON COLUMN cmms.checklist_items.position IS
'Place of the item in its checklist, from 0; unique among the checklist''s live items.';
COMMENT ON COLUMN cmms.checklist_items.label IS
'What to do or check, as shown to the technician.';
COMMENT ON COLUMN cmms.checklist_items.item_type IS
'Kind of answer: checkbox, text, number (result is a decimal number), pass_fail (result is pass or fail) '
'or photo (the photo is an attachment of the item).';
COMMENT ON COLUMN cmms.checklist_items.is_required IS
'Whether the checklist can be completed without this item.';
COMMENT ON COLUMN cmms.checklist_items.is_done IS
'Whether the item was done; true exactly when done_at is set.';
COMMENT ON COLUMN cmms.checklist_items.done_at IS
'When the item was done; set exactly when is_done.';
COMMENT ON COLUMN cmms.checklist_items.done_by_user_id IS
'User who did the item; cleared (only this column) when that user is deleted.';
COMMENT ON COLUMN cmms.checklist_items.result IS
'The value entered, as text: pass or fail for a pass_fail item, a decimal number for a number item.';
COMMENT ON COLUMN cmms.checklist_items.notes IS
'Remarks of the person who did the item.';
COMMENT ON COLUMN cmms.checklist_items.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.checklist_items.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.checklist_items.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.checklist_items ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.checklist_items FORCE ROW LEVEL SECURITY;

CREATE POLICY checklist_items_select ON cmms.checklist_items
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY checklist_items_insert ON cmms.checklist_items
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY checklist_items_update ON cmms.checklist_items
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY checklist_items_delete ON cmms.checklist_items
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.checklist_items TO cmms_app;

GRANT SELECT ON cmms.checklist_items TO cmms_readonly;

CREATE TRIGGER checklist_items_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.checklist_items
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_checklist_items WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.checklist_items
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_checklist_items IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_checklist_items FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_checklist_items TO cmms_app, cmms_readonly;
