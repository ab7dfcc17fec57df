-- Who holds the partition maintenance lock: for the error a waiting maintainer reports.
SELECT a.pid, coalesce(nullif(a.application_name, ''), '?') AS application, a.usename,
       a.client_addr::text AS client, a.backend_start
FROM pg_locks AS l
INNER JOIN pg_stat_activity AS a ON l.pid = a.pid
WHERE l.locktype = 'advisory' AND l.granted
  AND (l.classid::bigint << 32) | l.objid::bigint = 7236833568497074178
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
LIMIT 1
