-- Record a migration as applied (or as partial while a non-transactional one runs).
INSERT INTO cmmsdb.applied_migrations (id, checksum, transactional, state, statements_done, duration_ms)
VALUES (%(id)s, %(checksum)s, %(transactional)s, %(state)s, %(statements_done)s, %(duration_ms)s)
ON CONFLICT (id) DO UPDATE
SET checksum = excluded.checksum,
    state = excluded.state,
    statements_done = excluded.statements_done,
    duration_ms = excluded.duration_ms
