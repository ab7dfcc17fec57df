-- A required column on a loaded table: every insert that does not set it now fails.
SET LOCAL ROLE cmms_owner;

ALTER TABLE cmms.assets ADD COLUMN serial_code text NOT NULL;
