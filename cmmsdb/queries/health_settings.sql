-- health_settings.sql: the server settings the health report judges, as a new session of
-- this login gets them (reset_val: the configuration, ALTER SYSTEM, ALTER DATABASE and
-- ALTER ROLE settings, not a SET of this session), with their unit.
SELECT
    s.name,
    s.reset_val AS setting,
    s.reset_val || coalesce(' (' || s.unit || ')', '') AS value
FROM pg_settings AS s
WHERE s.name IN (
    'autovacuum',
    'idle_in_transaction_session_timeout',
    'lock_timeout',
    'log_lock_waits',
    'log_min_duration_statement',
    'statement_timeout',
    'track_io_timing'
)
ORDER BY 1
