INSERT INTO cmmsdb.seeded_organizations (organization_id, seed, tenant_number, profile)
VALUES (%(organization_id)s, %(seed)s, %(tenant_number)s, %(profile)s)
