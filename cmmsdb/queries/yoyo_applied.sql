-- The migrations yoyo applied, from its table {table} (formatted in as an identifier).
SELECT migration_id FROM {table} ORDER BY applied_at_utc, migration_id
