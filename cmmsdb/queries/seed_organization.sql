INSERT INTO cmms.organizations (id, name, slug, plan, created_at, updated_at)
VALUES (%(id)s, %(name)s, %(slug)s, %(plan)s, %(created_at)s, %(created_at)s)
