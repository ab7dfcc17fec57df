-- Undoes 0001.add-column-assets-note.
ALTER TABLE cmms.assets DROP COLUMN note;
