-- health_replication_slots.sql: replication slots that no client uses: each keeps the WAL
-- since its restart_lsn on the primary's disk until it is used again or dropped.
SELECT
    s.slot_name,
    s.slot_type,
    pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint AS retained_bytes
FROM pg_replication_slots AS s
WHERE NOT s.active
ORDER BY 1
