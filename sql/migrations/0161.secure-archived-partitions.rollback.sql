-- Nothing to undo on purpose. 0161 created and dropped nothing; it secured archived
-- partitions that a database may hold (row-level security forced, no grant to the
-- application's roles). Turning that off again would re-open every tenant's archived audit
-- records to whoever is granted them later, and the partitions it changed are not recorded.
-- A freshly migrated database has none: its schema is the same before and after.
SELECT 1;
