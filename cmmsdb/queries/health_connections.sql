-- health_connections.sql: client sessions open on the server, by state, against the
-- connections that non-superusers may open (max_connections minus the reserved ones).
SELECT
    (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS used,
    current_setting('max_connections')::int
    - current_setting('superuser_reserved_connections')::int AS available,
    current_setting('max_connections')::int AS max_connections,
    coalesce(
        (
            SELECT jsonb_object_agg(s.state, s.sessions)
            FROM (
                SELECT coalesce(a.state, 'unknown') AS state, count(*) AS sessions
                FROM pg_stat_activity AS a
                WHERE a.backend_type = 'client backend'
                GROUP BY 1
            ) AS s
        ),
        '{}'::jsonb
    ) AS by_state
