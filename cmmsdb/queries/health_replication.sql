-- health_replication.sql: the standbys streaming from this server, with how far each is
-- behind in bytes and seconds (replay_lag is NULL while nothing was replayed lately).
SELECT
    coalesce(r.application_name, '') AS standby,
    coalesce(host(r.client_addr), 'local') AS client,
    r.state,
    r.sync_state,
    pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::bigint AS lag_bytes,
    extract(EPOCH FROM r.replay_lag)::float8 AS lag_seconds
FROM pg_stat_replication AS r
ORDER BY 1
