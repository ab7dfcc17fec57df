-- Drop the archiving functions of 0131.
SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms_archive.restore_work_orders(uuid, uuid[]);

DROP FUNCTION cmms_archive.archive_work_orders(timestamptz, integer);

DROP FUNCTION cmms_archive.archive_filter(text);

DROP FUNCTION cmms_archive.archive_columns(text);
