-- health_sessions.sql: client sessions of this server (any database) that are active or
-- idle in a transaction for at least %(min_seconds)s seconds: the statement's duration
-- when active, the time since the last statement when idle in a transaction, and how long
-- the transaction has been open (the oldest snapshot holds back vacuum). Not this session.
SELECT
    a.pid,
    a.datname,
    a.usename,
    a.application_name,
    a.state,
    extract(EPOCH FROM now() - a.state_change)::float8 AS state_seconds,
    extract(EPOCH FROM now() - a.xact_start)::float8 AS transaction_seconds,
    a.wait_event_type,
    left(regexp_replace(a.query, '\s+', ' ', 'g'), 200) AS query
FROM pg_stat_activity AS a
WHERE a.backend_type = 'client backend'
  AND a.pid <> pg_backend_pid()
  AND a.state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')
  AND now() - coalesce(a.state_change, a.query_start) >= make_interval(secs => %(min_seconds)s)
ORDER BY a.state_change
