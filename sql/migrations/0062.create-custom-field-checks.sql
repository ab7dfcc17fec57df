-- Custom field checks: a value must fit its field's declared type (and options, for select
-- fields) and belong to a live record of the field's entity_type in the same organization;
-- a required field must have a value on every record created after it was made required
-- (checked at commit, so the record and its values can be written in any order within one
-- transaction) and that value cannot be removed while the record lives. Work orders made by
-- a PM schedule are checked at completion instead (a generator cannot invent the values).
-- cmmsdb: allow multiple-existing-tables because required custom fields are one rule that
-- needs a constraint trigger on each entity table a field may describe; adding a trigger
-- rewrites nothing and holds each lock for a moment (under --lock-timeout).
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.custom_field_value_problem(field_type text, options jsonb, value jsonb)
RETURNS text
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    kind text := pg_catalog.jsonb_typeof(value);
    parsed text := value #>> '{}';
    choices jsonb;
BEGIN
    IF field_type IN ('select', 'multiselect') THEN
        -- An option is a value, or an object whose "value" is the value (with a label to show).
        SELECT pg_catalog.jsonb_agg(CASE pg_catalog.jsonb_typeof(o.item) WHEN 'object' THEN o.item -> 'value' ELSE o.item END)
        INTO choices
        FROM pg_catalog.jsonb_array_elements(options) AS o (item);
    END IF;
    CASE field_type
        WHEN 'text' THEN
            IF kind IS DISTINCT FROM 'string' THEN
                RETURN 'a text field takes a JSON string';
            END IF;
        WHEN 'number' THEN
            IF kind IS DISTINCT FROM 'number' THEN
                RETURN 'a number field takes a JSON number';
            END IF;
        WHEN 'integer' THEN
            IF kind IS DISTINCT FROM 'number' OR parsed::numeric <> pg_catalog.trunc(parsed::numeric) THEN
                RETURN 'an integer field takes a JSON number without a fraction';
            END IF;
        WHEN 'boolean' THEN
            IF kind IS DISTINCT FROM 'boolean' THEN
                RETURN 'a boolean field takes true or false';
            END IF;
        WHEN 'date' THEN
            IF kind IS DISTINCT FROM 'string' OR parsed !~ '^\d{4}-\d{2}-\d{2}$' THEN
                RETURN 'a date field takes a string YYYY-MM-DD';
            END IF;
            BEGIN
                PERFORM parsed::date;
            EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
                RETURN pg_catalog.format('%s is not a date', parsed);
            END;
        WHEN 'timestamp' THEN
            IF kind IS DISTINCT FROM 'string'
                OR parsed !~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$' THEN
                RETURN 'a timestamp field takes an ISO 8601 string (YYYY-MM-DDTHH:MM[:SS][+HH:MM])';
            END IF;
            BEGIN
                PERFORM parsed::timestamptz;
            EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
                RETURN pg_catalog.format('%s is not a timestamp', parsed);
            END;
        WHEN 'select' THEN
            IF kind IN ('object', 'array', 'null') OR NOT choices @> pg_catalog.jsonb_build_array(value) THEN
                RETURN pg_catalog.format('a select field takes one of %s', choices);
            END IF;
        WHEN 'multiselect' THEN
            IF kind IS DISTINCT FROM 'array' OR pg_catalog.jsonb_array_length(value) = 0
                OR EXISTS (
                    SELECT 1 FROM pg_catalog.jsonb_array_elements(value) AS e (item)
                    WHERE pg_catalog.jsonb_typeof(e.item) IN ('object', 'array', 'null')
                )
                OR NOT choices @> value
                OR (SELECT pg_catalog.count(DISTINCT e.item) FROM pg_catalog.jsonb_array_elements(value) AS e (item))
                <> pg_catalog.jsonb_array_length(value) THEN
                RETURN pg_catalog.format('a multiselect field takes a non-empty array of distinct items of %s', choices);
            END IF;
        ELSE
            RETURN pg_catalog.format('unknown field type %s', field_type);
    END CASE;
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION cmms.custom_field_value_problem(text, jsonb, jsonb) IS
'Why value does not fit a custom field of field_type with options, or NULL when it does: text a string, '
'number a number, integer a whole number, boolean true/false, date a YYYY-MM-DD string, timestamp an '
'ISO 8601 string, select one of the options, multiselect a non-empty array of distinct options (an option is '
'a scalar, or an object whose "value" is the value). '
'JSON null fits nothing (remove the value instead).';

CREATE FUNCTION cmms.custom_field_entity_table(entity_type text)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT CASE entity_type WHEN 'part' THEN 'parts_inventory' ELSE entity_type || 's' END
$$;

COMMENT ON FUNCTION cmms.custom_field_entity_table(text) IS
'The table (in schema cmms) of the records of a custom field entity_type: part is parts_inventory, '
'every other one is its plural (work_order is work_orders).';

CREATE FUNCTION cmms.custom_field_entity_is_live(entity_type text, organization_id uuid, entity_id uuid)
RETURNS boolean
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    found boolean;
BEGIN
    EXECUTE pg_catalog.format(
        'SELECT EXISTS (SELECT 1 FROM cmms.%I AS e WHERE e.organization_id = $1 AND e.id = $2 AND e.deleted_at IS NULL)',
        cmms.custom_field_entity_table(entity_type)
    ) INTO found USING organization_id, entity_id;
    RETURN found;
END;
$$;

COMMENT ON FUNCTION cmms.custom_field_entity_is_live(text, uuid, uuid) IS
'Whether entity_id is a live (not soft-deleted) record of entity_type in the organization, as the '
'caller sees it (row-level security applies: another tenant''s record is never found).';

CREATE FUNCTION cmms.check_custom_field_value()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    field cmms.custom_fields;
    problem text;
BEGIN
    SELECT f.* INTO field
    FROM cmms.custom_fields AS f
    WHERE f.organization_id = NEW.organization_id AND f.id = NEW.custom_field_id;
    IF NOT FOUND OR NEW.deleted_at IS NOT NULL OR NEW.value IS NULL OR NEW.entity_id IS NULL THEN
        -- No such field here (the foreign key or row-level security refuses the row), a removed
        -- value (nothing to check) or a missing one (NOT NULL refuses it).
        RETURN NEW;
    END IF;
    IF field.deleted_at IS NOT NULL THEN
        RAISE EXCEPTION 'custom field % is deleted: it takes no values', field.key USING ERRCODE = 'CM003';
    END IF;
    problem := cmms.custom_field_value_problem(field.field_type, field.options, NEW.value);
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'custom field % (%): % is not valid: %', field.key, field.field_type, NEW.value, problem
            USING ERRCODE = 'CM003';
    END IF;
    IF NOT cmms.custom_field_entity_is_live(field.entity_type, NEW.organization_id, NEW.entity_id) THEN
        RAISE EXCEPTION 'custom field %: no live % % in this organization', field.key, field.entity_type, NEW.entity_id
            USING ERRCODE = 'CM003';
    END IF;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION cmms.check_custom_field_value() IS
'BEFORE INSERT or UPDATE trigger of custom_field_values: a live value must be of a live field, fit its '
'type and options (cmms.custom_field_value_problem) and belong to a live record of the field''s '
'entity_type in the same organization; otherwise SQLSTATE CM003.';

CREATE TRIGGER custom_field_values_check
BEFORE INSERT OR UPDATE ON cmms.custom_field_values
FOR EACH ROW EXECUTE FUNCTION cmms.check_custom_field_value();

CREATE FUNCTION cmms.missing_required_custom_fields(entity_type text, organization_id uuid, entity_id uuid)
RETURNS text
LANGUAGE sql
STABLE
AS $$
    SELECT pg_catalog.string_agg(f.key, ', ' ORDER BY f.position, f.key)
    FROM cmms.custom_fields AS f
    WHERE f.organization_id = $2 AND f.entity_type = $1 AND f.required AND f.deleted_at IS NULL
        AND NOT EXISTS (
            SELECT 1 FROM cmms.custom_field_values AS v
            WHERE v.organization_id = f.organization_id AND v.custom_field_id = f.id
                AND v.entity_id = $3 AND v.deleted_at IS NULL
        )
$$;

COMMENT ON FUNCTION cmms.missing_required_custom_fields(text, uuid, uuid) IS
'The keys of the required live custom fields of entity_type that the record has no live value for, '
'comma-separated in display order; NULL when none is missing.';

CREATE FUNCTION cmms.check_required_custom_fields()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    kind text := TG_ARGV[0];
    missing text;
BEGIN
    IF kind = 'work_order' AND pg_catalog.to_jsonb(NEW) ->> 'pm_schedule_id' IS NOT NULL THEN
        RETURN NULL;  -- generated from a PM schedule: checked at completion
    END IF;
    IF NOT cmms.custom_field_entity_is_live(kind, NEW.organization_id, NEW.id) THEN
        RETURN NULL;  -- deleted again in the same transaction
    END IF;
    missing := cmms.missing_required_custom_fields(kind, NEW.organization_id, NEW.id);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION '% % has no value for required custom field %', kind, NEW.id, missing
            USING ERRCODE = 'CM004',
                HINT = 'Write the values (cmms.custom_field_values) in the transaction that creates the record.';
    END IF;
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION cmms.check_required_custom_fields() IS
'Deferred constraint trigger (checked at commit) of the table of a custom field entity_type (TG_ARGV[0]): '
'a record inserted must have a live value for every required live field of that entity_type by the end '
'of its transaction; SQLSTATE CM004. Work orders generated by a PM schedule are exempt here and checked '
'at completion instead.';

CREATE FUNCTION cmms.check_required_custom_field_kept()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    kind text;
    missing text;
BEGIN
    SELECT f.entity_type INTO kind
    FROM cmms.custom_fields AS f
    WHERE f.organization_id = OLD.organization_id AND f.id = OLD.custom_field_id
        AND f.required AND f.deleted_at IS NULL;
    IF NOT FOUND OR NOT cmms.custom_field_entity_is_live(kind, OLD.organization_id, OLD.entity_id) THEN
        RETURN NULL;  -- not a required field, or its record is gone: nothing to keep
    END IF;
    missing := cmms.missing_required_custom_fields(kind, OLD.organization_id, OLD.entity_id);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION '% % has no value for required custom field %', kind, OLD.entity_id, missing
            USING ERRCODE = 'CM004', HINT = 'Change the value instead of removing it, or delete the record.';
    END IF;
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION cmms.check_required_custom_field_kept() IS
'Deferred constraint trigger (checked at commit) of custom_field_values: the value of a required live '
'field cannot be removed (deleted, soft-deleted or moved) from a live record; SQLSTATE CM004.';

CREATE CONSTRAINT TRIGGER custom_field_values_required
AFTER UPDATE OR DELETE ON cmms.custom_field_values
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION cmms.check_required_custom_field_kept();

CREATE CONSTRAINT TRIGGER work_orders_required_custom_fields
AFTER INSERT ON cmms.work_orders DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION cmms.check_required_custom_fields('work_order');

CREATE CONSTRAINT TRIGGER work_requests_required_custom_fields
AFTER INSERT ON cmms.work_requests DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION cmms.check_required_custom_fields('work_request');

CREATE CONSTRAINT TRIGGER assets_required_custom_fields
AFTER INSERT ON cmms.assets DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION cmms.check_required_custom_fields('asset');

CREATE CONSTRAINT TRIGGER locations_required_custom_fields
AFTER INSERT ON cmms.locations DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION cmms.check_required_custom_fields('location');

CREATE CONSTRAINT TRIGGER parts_inventory_required_custom_fields
AFTER INSERT ON cmms.parts_inventory DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION cmms.check_required_custom_fields('part');

CREATE CONSTRAINT TRIGGER purchase_orders_required_custom_fields
AFTER INSERT ON cmms.purchase_orders DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION cmms.check_required_custom_fields('purchase_order');

CREATE CONSTRAINT TRIGGER vendors_required_custom_fields
AFTER INSERT ON cmms.vendors DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION cmms.check_required_custom_fields('vendor');

CREATE CONSTRAINT TRIGGER contractors_required_custom_fields
AFTER INSERT ON cmms.contractors DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION cmms.check_required_custom_fields('contractor');

CREATE CONSTRAINT TRIGGER pm_schedules_required_custom_fields
AFTER INSERT ON cmms.pm_schedules DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION cmms.check_required_custom_fields('pm_schedule');

CREATE CONSTRAINT TRIGGER checklists_required_custom_fields
AFTER INSERT ON cmms.checklists DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION cmms.check_required_custom_fields('checklist');

CREATE CONSTRAINT TRIGGER comments_required_custom_fields
AFTER INSERT ON cmms.comments DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION cmms.check_required_custom_fields('comment');

CREATE CONSTRAINT TRIGGER users_required_custom_fields
AFTER INSERT ON cmms.users DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION cmms.check_required_custom_fields('user');

CREATE CONSTRAINT TRIGGER teams_required_custom_fields
AFTER INSERT ON cmms.teams DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION cmms.check_required_custom_fields('team');

CREATE CONSTRAINT TRIGGER meters_required_custom_fields
AFTER INSERT ON cmms.meters DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION cmms.check_required_custom_fields('meter');

COMMENT ON COLUMN cmms.custom_fields.required IS
'Whether a record of entity_type must have a value for this field: checked at the commit of the transaction '
'that creates the record, and a value cannot be removed from a live record (cmms.check_required_custom_fields).';
COMMENT ON COLUMN cmms.custom_field_values.value IS
'The value as JSON, per the field''s field_type: a string (text, select, and date or timestamp in ISO 8601), '
'a number (number, integer), a boolean, or an array of strings (multiselect); checked by trigger '
'(cmms.custom_field_value_problem).';

REVOKE ALL ON FUNCTION cmms.custom_field_value_problem(text, jsonb, jsonb) FROM cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.custom_field_entity_table(text) FROM cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.custom_field_entity_is_live(text, uuid, uuid) FROM cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.check_custom_field_value() FROM cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.missing_required_custom_fields(text, uuid, uuid) FROM cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.check_required_custom_fields() FROM cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.check_required_custom_field_kept() FROM cmms_app, cmms_readonly;

GRANT EXECUTE ON FUNCTION cmms.custom_field_value_problem(text, jsonb, jsonb) TO cmms_app, cmms_readonly;
GRANT EXECUTE ON FUNCTION cmms.custom_field_entity_table(text) TO cmms_app, cmms_readonly;
GRANT EXECUTE ON FUNCTION cmms.custom_field_entity_is_live(text, uuid, uuid) TO cmms_app, cmms_readonly;
GRANT EXECUTE ON FUNCTION cmms.missing_required_custom_fields(text, uuid, uuid) TO cmms_app, cmms_readonly;
