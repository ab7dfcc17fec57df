-- Who holds advisory lock %(key)s: for the error a waiting process reports.
SELECT a.pid, coalesce(nullif(a.application_name, ''), '?') AS application, a.usename,
       a.client_addr::text AS client, a.backend_start
FROM pg_locks AS l
JOIN pg_stat_activity AS a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted
  AND (l.classid::bigint << 32) | l.objid::bigint = %(key)s
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
LIMIT 1
