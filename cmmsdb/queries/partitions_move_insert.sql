-- Route the old default partition's rows through the parent (into the new monthly partitions,
-- the rest into the fresh default partition), then drop the emptied copy. Composed with
-- psycopg.sql from quoted names and the parent's insertable columns.
INSERT INTO {parent} ({columns}) OVERRIDING SYSTEM VALUE
SELECT {columns} FROM {old};
