-- Drop archived_at of 0159.
SET LOCAL ROLE cmms_owner;

ALTER TABLE cmms_archive.work_orders DROP COLUMN archived_at;
