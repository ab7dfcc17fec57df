-- A note on assets, outside a transaction.
-- transactional: false
ALTER TABLE cmms.assets ADD COLUMN note text;
