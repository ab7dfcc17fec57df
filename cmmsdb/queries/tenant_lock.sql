-- tenant_lock.sql: whether the organization is here, holding its row until the delete
-- commits: an application's insert for it waits on its foreign key, then fails, instead of
-- leaving a row the delete missed.
SELECT EXISTS (SELECT FROM cmms.organizations WHERE id = %(organization)s::uuid FOR UPDATE)
