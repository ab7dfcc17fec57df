-- Does this database have cmmsdb's history?
SELECT to_regclass('cmmsdb.migration_history') IS NOT NULL
