-- Undoes 0001.add-column-assets-note.
SET LOCAL ROLE cmms_owner;

ALTER TABLE cmms.assets DROP COLUMN note;
