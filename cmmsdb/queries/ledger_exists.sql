-- Has cmmsdb ever migrated this database?
SELECT to_regclass('cmmsdb.applied_migrations') IS NOT NULL
