-- Undoes 0001.create-table-gadget-kinds.
ALTER TABLE cmms.assets DROP COLUMN IF EXISTS gadget_kind_id;

DROP TABLE IF EXISTS cmms.gadget_kinds;
