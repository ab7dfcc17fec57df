-- cmmsdb: allow multiple-existing-tables because required custom fields are one rule that
-- needs a constraint trigger on each entity table a field may describe; adding a trigger
-- rewrites nothing and holds each lock for a moment (under --lock-timeout).
SET LOCAL ROLE cmms_owner;

COMMENT ON COLUMN cmms.custom_field_values.value IS
'The value as JSON, per the field''s field_type: a string (text, select, and date or timestamp in ISO 8601), '
'a number (number, integer), a boolean, or an array of strings (multiselect). Not yet checked by the database.';

COMMENT ON COLUMN cmms.custom_fields.required IS
'Whether a record of entity_type must have a value for this field (enforced by the application).';

DROP TRIGGER meters_required_custom_fields ON cmms.meters;

DROP TRIGGER teams_required_custom_fields ON cmms.teams;

DROP TRIGGER users_required_custom_fields ON cmms.users;

DROP TRIGGER comments_required_custom_fields ON cmms.comments;

DROP TRIGGER checklists_required_custom_fields ON cmms.checklists;

DROP TRIGGER pm_schedules_required_custom_fields ON cmms.pm_schedules;

DROP TRIGGER contractors_required_custom_fields ON cmms.contractors;

DROP TRIGGER vendors_required_custom_fields ON cmms.vendors;

DROP TRIGGER purchase_orders_required_custom_fields ON cmms.purchase_orders;

DROP TRIGGER parts_inventory_required_custom_fields ON cmms.parts_inventory;

DROP TRIGGER locations_required_custom_fields ON cmms.locations;

DROP TRIGGER assets_required_custom_fields ON cmms.assets;

DROP TRIGGER work_requests_required_custom_fields ON cmms.work_requests;

DROP TRIGGER work_orders_required_custom_fields ON cmms.work_orders;

DROP TRIGGER custom_field_values_required ON cmms.custom_field_values;

DROP FUNCTION cmms.check_required_custom_field_kept();

DROP FUNCTION cmms.check_required_custom_fields();

DROP FUNCTION cmms.missing_required_custom_fields(text, uuid, uuid);

DROP TRIGGER custom_field_values_check ON cmms.custom_field_values;

DROP FUNCTION cmms.check_custom_field_value();

DROP FUNCTION cmms.custom_field_entity_is_live(text, uuid, uuid);

DROP FUNCTION cmms.custom_field_entity_table(text);

DROP FUNCTION cmms.custom_field_value_problem(text, jsonb, jsonb);
