-- The index that the logo's foreign key needs (deleting an attachment looks up the
-- organization that uses it as its logo). Built concurrently: organizations is read by every
-- request.
-- transactional: false
CREATE INDEX CONCURRENTLY IF NOT EXISTS organizations_id_logo_attachment_id_idx
ON cmms.organizations (id, logo_attachment_id);
