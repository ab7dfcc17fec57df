-- A note on assets and on meters in one migration.
SET LOCAL ROLE cmms_owner;

ALTER TABLE cmms.assets ADD COLUMN note text;

ALTER TABLE cmms.meters ADD COLUMN note text;
