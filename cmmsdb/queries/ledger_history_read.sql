-- The history of what ran against this database, oldest first. `detail` is read through
-- to_jsonb so that a ledger made by an earlier cmmsdb (without that column) reads too.
SELECT h.at, h.migration_id, h.action, h.checksum, h.by_role, h.duration_ms,
       to_jsonb(h) ->> 'detail' AS detail
FROM cmmsdb.migration_history AS h
ORDER BY h.at, h.migration_id
