-- A note on assets, with no rollback file beside it.
SET LOCAL ROLE cmms_owner;

ALTER TABLE cmms.assets ADD COLUMN note text;
