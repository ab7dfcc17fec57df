-- Does this database hold the cmms schema (has it been migrated at all)?
SELECT to_regnamespace('cmms') IS NOT NULL
