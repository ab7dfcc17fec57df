-- archive_batch.sql: one batch of `cmmsdb archive` in the caller's transaction: rows moved
-- per table, none when nothing is left.
SELECT table_name, row_count
FROM cmms_archive.archive_work_orders(%(before)s::timestamptz, %(batch_size)s::integer)
