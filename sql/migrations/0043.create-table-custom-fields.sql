-- Custom fields: fields an organization adds to one kind of record (a work order, an
-- asset...), with their type and, for select fields, their options; with row-level
-- security, grants, audit trigger and soft-delete view (scaffolded by
-- `cmmsdb new --template tenant-table`). The values are in cmms.custom_field_values.
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.custom_fields (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    entity_type text NOT NULL,
    key text NOT NULL,
    label text NOT NULL,
    field_type text NOT NULL DEFAULT 'text',
    options jsonb,
    required boolean NOT NULL DEFAULT FALSE,
    position integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT custom_fields_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT custom_fields_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT custom_fields_entity_type_check CHECK (
        entity_type IN (
            'work_order', 'work_request', 'asset', 'location', 'part', 'purchase_order', 'vendor',
            'contractor', 'pm_schedule', 'checklist', 'comment', 'user', 'team', 'meter'
        )
    ),
    CONSTRAINT custom_fields_key_check CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
    CONSTRAINT custom_fields_label_check CHECK (length(btrim(label)) BETWEEN 1 AND 200),
    CONSTRAINT custom_fields_field_type_check CHECK (
        field_type IN ('text', 'number', 'integer', 'boolean', 'date', 'timestamp', 'select', 'multiselect')
    ),
    CONSTRAINT custom_fields_options_check CHECK (
        CASE
            WHEN field_type IN ('select', 'multiselect')
                THEN options IS NOT NULL AND jsonb_typeof(options) = 'array' AND options <> '[]'::jsonb
            ELSE options IS NULL
        END
    )
);

CREATE UNIQUE INDEX custom_fields_organization_id_entity_type_key_key
ON cmms.custom_fields (organization_id, entity_type, key)
WHERE deleted_at IS NULL;

CREATE TRIGGER custom_fields_set_updated_at
BEFORE UPDATE ON cmms.custom_fields
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.custom_fields IS
'Fields an organization adds to one kind of record; their values are in cmms.custom_field_values.';
COMMENT ON COLUMN cmms.custom_fields.entity_type IS
'Kind of record the field belongs to, which names its table: work_order (cmms.work_orders), asset, part...';
COMMENT ON COLUMN cmms.custom_fields.key IS
'Stable identifier of the field for APIs and imports (lower-case letter, then up to 62 lower-case letters, '
'digits or underscores), unique per entity_type among the live fields of an organization.';
COMMENT ON COLUMN cmms.custom_fields.label IS
'Name of the field shown to users.';
COMMENT ON COLUMN cmms.custom_fields.field_type IS
'Type of the values: text, number, integer, boolean, date, timestamp, select (one of options) '
'or multiselect (several of options).';
COMMENT ON COLUMN cmms.custom_fields.options IS
'The choices of a select or multiselect field: a non-empty JSON array; NULL for every other field_type.';
COMMENT ON COLUMN cmms.custom_fields.required IS
'Whether a record of entity_type must have a value for this field (enforced by the application).';
COMMENT ON COLUMN cmms.custom_fields.position IS
'Display order among the fields of the same entity_type (ascending).';
COMMENT ON COLUMN cmms.custom_fields.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.custom_fields.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.custom_fields.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.custom_fields ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.custom_fields FORCE ROW LEVEL SECURITY;

CREATE POLICY custom_fields_select ON cmms.custom_fields
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY custom_fields_insert ON cmms.custom_fields
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY custom_fields_update ON cmms.custom_fields
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY custom_fields_delete ON cmms.custom_fields
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.custom_fields TO cmms_app;

GRANT SELECT ON cmms.custom_fields TO cmms_readonly;

CREATE TRIGGER custom_fields_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.custom_fields
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_custom_fields WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.custom_fields
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_custom_fields IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_custom_fields FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_custom_fields TO cmms_app, cmms_readonly;
