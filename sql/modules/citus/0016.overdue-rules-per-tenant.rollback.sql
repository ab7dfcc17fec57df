-- The single-server fire_due_rules (core 0152) back, under its name.
RESET ROLE;

DROP FUNCTION cmms.fire_due_rules();

-- cmmsdb: allow renaming-object because the single-server function takes back the name that
-- the Citus form, just dropped, had
ALTER FUNCTION cmms.fire_due_rules_on_one_server() RENAME TO fire_due_rules;
