-- pytest_tenant.sql: a seeded organization and its users, admins and active users first
-- (the first row's user is the tenant's default acting user).
SELECT o.name, o.slug, u.id, u.email, u.full_name, u.role, u.status
FROM cmms.organizations AS o
LEFT JOIN cmms.users AS u ON u.organization_id = o.id AND u.deleted_at IS NULL
WHERE o.id = %(organization_id)s
ORDER BY u.status = 'active' DESC, u.role = 'admin' DESC, u.email
