-- Undoes 0001.add-column-assets-serial-code.
SET LOCAL ROLE cmms_owner;

ALTER TABLE cmms.assets DROP COLUMN serial_code;
