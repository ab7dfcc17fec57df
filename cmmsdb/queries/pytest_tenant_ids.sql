-- pytest_tenant_ids.sql: the ids of one organization's rows in one tenant table ({table}).
SELECT id FROM cmms.{table} WHERE organization_id = %(organization_id)s
