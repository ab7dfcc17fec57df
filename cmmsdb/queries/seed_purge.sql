-- Remove the fake organizations cmmsdb seed made (their rows go with them, by the foreign
-- keys' ON DELETE CASCADE), then their bookkeeping; returns how many.
WITH gone AS (
    DELETE FROM cmms.organizations
    WHERE id IN (SELECT organization_id FROM cmmsdb.seeded_organizations)
    RETURNING id
), forgotten AS (
    DELETE FROM cmmsdb.seeded_organizations RETURNING organization_id
)
SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM forgotten)
