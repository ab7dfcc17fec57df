-- The next tenant number for a seed: runs with the same seed into one database add new
-- tenants after those made before, never the same ones again.
SELECT coalesce(max(tenant_number) + 1, 0) FROM cmmsdb.seeded_organizations WHERE seed = %(seed)s
