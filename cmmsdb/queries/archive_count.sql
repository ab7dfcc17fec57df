-- archive_count.sql: `cmmsdb archive --dry-run`: rows per table that a run would move,
-- counted with plain reads, no row lock (the batch size is no limit then).
SELECT table_name, row_count
FROM cmms_archive.archive_work_orders(%(before)s::timestamptz, 1, TRUE)
