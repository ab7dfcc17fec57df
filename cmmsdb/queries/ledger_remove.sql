-- Forget a rolled-back migration.
DELETE FROM cmmsdb.applied_migrations WHERE id = %(id)s
