-- Custom field values: the value of one custom field on one record, with row-level
-- security, grants, audit trigger and soft-delete view (scaffolded by
-- `cmmsdb new --template tenant-table`). The record is a polymorphic reference: its kind
-- is the field's entity_type, its id entity_id, without a foreign key.
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.custom_field_values (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    custom_field_id uuid NOT NULL,
    entity_id uuid NOT NULL,
    value jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT custom_field_values_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT custom_field_values_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT custom_field_values_custom_field_fkey FOREIGN KEY (organization_id, custom_field_id)
    REFERENCES cmms.custom_fields (organization_id, id) ON DELETE CASCADE
);

-- Named without organization_id: the full column list would pass PostgreSQL's 63 bytes.
CREATE UNIQUE INDEX custom_field_values_custom_field_id_entity_id_key
ON cmms.custom_field_values (organization_id, custom_field_id, entity_id)
WHERE deleted_at IS NULL;

CREATE INDEX custom_field_values_organization_id_custom_field_id_idx
ON cmms.custom_field_values (organization_id, custom_field_id);

CREATE INDEX custom_field_values_organization_id_entity_id_idx
ON cmms.custom_field_values (organization_id, entity_id);

CREATE TRIGGER custom_field_values_set_updated_at
BEFORE UPDATE ON cmms.custom_field_values
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.custom_field_values IS
'The value of a custom field on one record: one live row per field and record; deleted with the field.';
COMMENT ON COLUMN cmms.custom_field_values.custom_field_id IS
'The field (cmms.custom_fields), which also says the kind of record (its entity_type) and the type of value.';
COMMENT ON COLUMN cmms.custom_field_values.entity_id IS
'id of the record in the table of the field''s entity_type, same organization. Polymorphic: no foreign key, '
'so the application (or a later trigger) must keep it valid and remove the row when the record is deleted.';
COMMENT ON COLUMN cmms.custom_field_values.value IS
'The value as JSON, per the field''s field_type: a string (text, select, and date or timestamp in ISO 8601), '
'a number (number, integer), a boolean, or an array of strings (multiselect). Not yet checked by the database.';
COMMENT ON COLUMN cmms.custom_field_values.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.custom_field_values.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.custom_field_values.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.custom_field_values ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.custom_field_values FORCE ROW LEVEL SECURITY;

CREATE POLICY custom_field_values_select ON cmms.custom_field_values
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY custom_field_values_insert ON cmms.custom_field_values
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY custom_field_values_update ON cmms.custom_field_values
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY custom_field_values_delete ON cmms.custom_field_values
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.custom_field_values TO cmms_app;

GRANT SELECT ON cmms.custom_field_values TO cmms_readonly;

CREATE TRIGGER custom_field_values_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.custom_field_values
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_custom_field_values WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.custom_field_values
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_custom_field_values IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_custom_field_values FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_custom_field_values TO cmms_app, cmms_readonly;
