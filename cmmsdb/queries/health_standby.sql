-- health_standby.sql: whether this server is a standby, and when so, the seconds since the
-- last transaction it replayed was committed on the primary (NULL: nothing replayed yet).
SELECT
    pg_is_in_recovery() AS in_recovery,
    CASE
        WHEN pg_is_in_recovery()
            THEN extract(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8
    END AS replay_delay_seconds
