-- Remove the fake organizations cmmsdb seed made (their rows go with them, by the foreign
-- keys' ON DELETE CASCADE, whose audit triggers record the deletions), then their
-- bookkeeping; returns how many organizations were deleted and the ids of every fake
-- organization forgotten (whose audit records seed_purge_audit.sql then removes).
WITH gone AS (
    DELETE FROM cmms.organizations
    WHERE id IN (SELECT organization_id FROM cmmsdb.seeded_organizations)
    RETURNING id
), forgotten AS (
    DELETE FROM cmmsdb.seeded_organizations RETURNING organization_id
)
SELECT
    (SELECT count(*) FROM gone),
    (SELECT coalesce(array_agg(organization_id), '{}') FROM forgotten)
