-- A nullable column on a loaded table: no rewrite, and existing inserts keep working.
SET LOCAL ROLE cmms_owner;

ALTER TABLE cmms.assets ADD COLUMN serial_code text;
