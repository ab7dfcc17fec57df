-- The applied migrations, in the order they were applied.
SELECT id, checksum, transactional, state, statements_done, applied_at, applied_by, duration_ms
FROM cmmsdb.applied_migrations
ORDER BY seq
