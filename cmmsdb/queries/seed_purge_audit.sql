-- Every audit record of the fake organizations (their seeding, and the deletions the purge
-- just recorded): nothing the fake tenants wrote is kept. Run in replica mode.
DELETE FROM cmms.activity_logs WHERE organization_id = ANY(%(organizations)s::uuid[])
