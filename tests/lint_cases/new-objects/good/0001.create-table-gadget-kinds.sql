-- A lookup table, created and then changed in the same migration (outside a transaction,
-- where squawk does not know that the table is new).
-- transactional: false
CREATE TABLE IF NOT EXISTS cmms.gadget_kinds (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL
);

ALTER TABLE cmms.gadget_kinds ADD COLUMN IF NOT EXISTS code text NOT NULL;

CREATE INDEX IF NOT EXISTS gadget_kinds_code_idx ON cmms.gadget_kinds (code);

ALTER TABLE cmms.assets ADD COLUMN IF NOT EXISTS gadget_kind_id uuid;
