-- archive_restore.sql: `cmmsdb restore`: one organization's archived work orders, by id
-- and/or archived since a moment (either may be NULL), moved back; rows per table.
SELECT table_name, row_count
FROM cmms_archive.restore_work_orders(%(organization)s::uuid, %(ids)s::uuid [], %(since)s::timestamptz)
