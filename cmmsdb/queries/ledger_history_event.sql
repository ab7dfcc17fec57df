-- Append a baseline or a repair to the history, with what it did.
INSERT INTO cmmsdb.migration_history (migration_id, action, checksum, duration_ms, detail)
VALUES (%(id)s, %(action)s, %(checksum)s, NULL, %(detail)s)
