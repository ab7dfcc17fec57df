-- Append to the history of what ran against this database.
INSERT INTO cmmsdb.migration_history (migration_id, action, checksum, duration_ms)
VALUES (%(id)s, %(action)s, %(checksum)s, %(duration_ms)s)
