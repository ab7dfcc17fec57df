-- The indexes of notifications to a team or the whole organization (0154): the team's
-- (the foreign key's, leading with its columns; also a member's list, newest first) and the
-- organization's, newest first; both partial, so the rows to one user, nearly all of them,
-- are not in them. Built concurrently, and 0154's NOT VALID checks validated here, each in
-- its own transaction: notifications is written by the system in volume.
-- transactional: false
CREATE INDEX CONCURRENTLY IF NOT EXISTS notifications_organization_id_team_id_created_at_idx
ON cmms.notifications (organization_id, team_id, created_at DESC)
WHERE team_id IS NOT NULL;

CREATE INDEX CONCURRENTLY IF NOT EXISTS notifications_organization_id_created_at_idx
ON cmms.notifications (organization_id, created_at DESC)
WHERE user_id IS NULL AND team_id IS NULL;

-- cmmsdb: allow prefer-robust-stmts because validating a valid constraint again does nothing,
-- so a rerun after a failure part way through is safe
ALTER TABLE cmms.notifications VALIDATE CONSTRAINT notifications_team_fkey;

-- cmmsdb: allow prefer-robust-stmts because validating a valid constraint again does nothing
ALTER TABLE cmms.notifications VALIDATE CONSTRAINT notifications_audience_check;
