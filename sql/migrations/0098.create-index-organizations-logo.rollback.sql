-- Drops the logo index, concurrently.
DROP INDEX CONCURRENTLY IF EXISTS cmms.organizations_id_logo_attachment_id_idx;
