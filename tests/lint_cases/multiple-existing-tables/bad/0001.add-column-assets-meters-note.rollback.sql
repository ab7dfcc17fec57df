-- Undoes 0001.add-column-assets-meters-note.
SET LOCAL ROLE cmms_owner;

ALTER TABLE cmms.meters DROP COLUMN note;

ALTER TABLE cmms.assets DROP COLUMN note;
