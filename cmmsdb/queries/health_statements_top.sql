-- health_statements_top.sql: the statements of this database that took the most time,
-- by %(order)s ('total' or 'mean') execution time, at most %(limit)s, each with at least
-- %(min_calls)s calls. The schema of pg_stat_statements is on the search_path. Without
-- pg_read_all_stats, other roles' statement texts read <insufficient privilege>.
SELECT
    s.queryid,
    left(regexp_replace(s.query, '\s+', ' ', 'g'), 300) AS query,
    r.rolname AS role,
    s.calls,
    round(s.total_exec_time::numeric, 1) AS total_ms,
    round(s.mean_exec_time::numeric, 2) AS mean_ms,
    round(s.max_exec_time::numeric, 1) AS max_ms,
    s.rows,
    round(
        100.0 * s.shared_blks_hit / nullif(s.shared_blks_hit + s.shared_blks_read, 0), 2
    ) AS hit_percent
FROM pg_stat_statements AS s
LEFT JOIN pg_roles AS r ON r.oid = s.userid
WHERE s.dbid = (SELECT d.oid FROM pg_database AS d WHERE d.datname = current_database())
  AND s.calls >= %(min_calls)s
ORDER BY
    CASE WHEN %(order)s = 'mean' THEN s.mean_exec_time ELSE s.total_exec_time END DESC
LIMIT %(limit)s
