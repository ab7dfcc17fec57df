-- health_cache.sql: shared-buffer hits and reads of this database since its statistics
-- were last reset (reads may still come from the operating system's cache).
SELECT
    d.blks_hit,
    d.blks_read,
    d.stats_reset
FROM pg_stat_database AS d
WHERE d.datname = current_database()
