-- Drops the audience indexes, concurrently. Nothing undoes a validation: 0154's rollback
-- drops the constraints.
DROP INDEX CONCURRENTLY IF EXISTS cmms.notifications_organization_id_created_at_idx;

DROP INDEX CONCURRENTLY IF EXISTS cmms.notifications_organization_id_team_id_created_at_idx;
