-- tenant_exists.sql: whether the organization is in this database.
SELECT EXISTS (SELECT FROM cmms.organizations WHERE id = %(organization)s::uuid)
