-- tenancy_login.sql: whether row-level security applies to the login of a tenant
-- connection. It does not to a superuser, to a BYPASSRLS role, nor to the owner of the
-- tenant tables (cmms_owner, or whoever owns cmms.organizations) or any member of it: FORCE
-- ROW LEVEL SECURITY binds the owner's own queries, but a member can ALTER TABLE ... NO
-- FORCE, DISABLE ROW LEVEL SECURITY or DROP POLICY.
SELECT
    r.rolname::text AS login,
    r.rolsuper AS superuser,
    r.rolbypassrls AS bypassrls,
    o.rolname::text AS owner,
    coalesce(pg_catalog.pg_has_role(r.oid, o.oid, 'MEMBER'), FALSE) AS owns_tables,
    t.oid IS NOT NULL AS migrated
FROM pg_catalog.pg_roles AS r
LEFT JOIN pg_catalog.pg_class AS t
    ON t.oid = pg_catalog.to_regclass('cmms.organizations')
LEFT JOIN pg_catalog.pg_roles AS o ON o.oid = t.relowner
WHERE r.rolname = current_user
