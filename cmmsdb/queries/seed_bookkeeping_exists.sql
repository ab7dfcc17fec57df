SELECT to_regclass('cmmsdb.seeded_organizations') IS NOT NULL
