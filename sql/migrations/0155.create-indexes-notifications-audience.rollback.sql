-- Undoes 0155 statement by statement, in reverse: the two checks back to NOT VALID, as 0154
-- left them (dropped and added again, with no scan), then the indexes dropped concurrently.
-- cmmsdb: allow constraint-missing-not-valid because the check is added back NOT VALID
ALTER TABLE cmms.notifications
DROP CONSTRAINT IF EXISTS notifications_audience_check,
ADD CONSTRAINT notifications_audience_check CHECK (user_id IS NULL OR team_id IS NULL) NOT VALID;

-- cmmsdb: allow adding-foreign-key-constraint because it is added back NOT VALID (no scan)
ALTER TABLE cmms.notifications
DROP CONSTRAINT IF EXISTS notifications_team_fkey,
ADD CONSTRAINT notifications_team_fkey FOREIGN KEY (organization_id, team_id)
REFERENCES cmms.teams (organization_id, id) ON DELETE CASCADE NOT VALID;

DROP INDEX CONCURRENTLY IF EXISTS cmms.notifications_organization_id_created_at_idx;

DROP INDEX CONCURRENTLY IF EXISTS cmms.notifications_organization_id_team_id_created_at_idx;
