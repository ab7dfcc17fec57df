-- Permissions (issue 16, item 2): cmms.has_permission(name) answers for the user of the
-- tenant context, from their role (cmms.users.role) and the organization's overrides
-- (cmms.role_permission_overrides), else the permission's default_roles (cmms.permissions);
-- cmms.require_permission raises insufficient_privilege (42501) naming the permission;
-- cmms.set_role_permission grants, revokes or resets one, needing permission.manage itself,
-- and a trigger holds direct writes of the overrides to the same rule.
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.has_permission(permission text)
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
        WHEN cmms.current_org_id() IS NULL THEN FALSE
        -- The user's role, with the organization's override for it, else the default.
        WHEN u.role IS NOT NULL THEN coalesce(o.granted, u.role = any(p.default_roles), FALSE)
        -- No user in the context (a system job: cron, a job queue), or an id that is no user
        -- of the organization: what any role may do by default, never permission.manage.
        ELSE coalesce(p.name <> 'permission.manage' AND p.default_roles <> '{}', FALSE)
    END
    FROM (SELECT has_permission.permission AS wanted) AS w
    LEFT JOIN cmms.permissions AS p ON p.name = w.wanted
    LEFT JOIN cmms.users AS u
        ON u.organization_id = cmms.current_org_id() AND u.id = cmms.current_user_id() AND u.deleted_at IS NULL
    LEFT JOIN cmms.role_permission_overrides AS o
        ON o.organization_id = u.organization_id AND o.role = u.role AND o.permission = p.name
        AND o.deleted_at IS NULL
$$;

COMMENT ON FUNCTION cmms.has_permission(text) IS
'Whether the user of the tenant context holds the permission (a name of cmms.permissions) in the organization of '
'the context: the organization''s live override for the user''s role (cmms.role_permission_overrides), else '
'whether the role is among the permission''s default_roles. False without a context and for an unknown '
'permission. A context without a user (a system job), or whose user id is no live user of the organization, '
'holds every permission some role holds by default (as before permissions existed), but not permission.manage.';

CREATE FUNCTION cmms.require_permission(permission text)
RETURNS void
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM cmms.require_context();
    IF NOT cmms.has_permission(require_permission.permission) THEN
        RAISE EXCEPTION 'permission % is required', require_permission.permission
            USING ERRCODE = 'insufficient_privilege',
            DETAIL = pg_catalog.format(
                'user %s (role %s) of organization %s does not hold %s.',
                coalesce(cmms.current_user_id()::text, 'none'),
                coalesce((
                    SELECT u.role FROM cmms.users AS u
                    WHERE u.organization_id = cmms.current_org_id() AND u.id = cmms.current_user_id()
                ), 'none'),
                cmms.current_org_id(), require_permission.permission
            ),
            HINT = 'an admin grants it with cmms.set_role_permission(role, permission, true).';
    END IF;
END;
$$;

COMMENT ON FUNCTION cmms.require_permission(text) IS
'Raises insufficient_privilege (42501) with the permission''s name unless the user of the tenant context holds '
'it (cmms.has_permission); without a context, the 42501 of cmms.require_context. Every stored function that '
'changes state calls it first.';

CREATE FUNCTION cmms.check_role_permission_override()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- Without a tenant context nothing passes row-level security but the owner, a
    -- superuser or a role that bypasses it (migrations, the seeder, tenant import).
    IF cmms.current_org_id() IS NOT NULL THEN
        PERFORM cmms.require_permission('permission.manage');
    END IF;
    IF TG_OP <> 'DELETE' AND NOT EXISTS (SELECT 1 FROM cmms.permissions AS p WHERE p.name = NEW.permission) THEN
        RAISE EXCEPTION 'no permission %', NEW.permission
            USING ERRCODE = 'invalid_parameter_value', HINT = 'the permissions are the names of cmms.permissions.';
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL AND NEW.role = 'admin'
        AND NEW.permission = 'permission.manage' AND NOT NEW.granted THEN
        RAISE EXCEPTION 'permission.manage cannot be revoked from admin'
            USING ERRCODE = 'invalid_parameter_value',
            HINT = 'an organization would lose every way to change its permissions.';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END;
$$;

COMMENT ON FUNCTION cmms.check_role_permission_override() IS
'Trigger of cmms.role_permission_overrides: a write in a tenant context needs permission.manage (42501), the '
'permission must be one of cmms.permissions (22023), and permission.manage is never revoked from admin (22023).';

CREATE TRIGGER role_permission_overrides_check
BEFORE INSERT OR UPDATE OR DELETE ON cmms.role_permission_overrides
FOR EACH ROW EXECUTE FUNCTION cmms.check_role_permission_override();

CREATE FUNCTION cmms.set_role_permission(role text, permission text, granted boolean)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org uuid := cmms.require_context();
BEGIN
    PERFORM cmms.require_permission('permission.manage');
    IF set_role_permission.role IS NULL
        OR set_role_permission.role NOT IN ('admin', 'manager', 'technician', 'requester', 'viewer') THEN
        RAISE EXCEPTION 'cmms.set_role_permission: no role %', coalesce(set_role_permission.role, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
            HINT = 'the roles are admin, manager, technician, requester and viewer.';
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM cmms.permissions AS p
        WHERE p.name = set_role_permission.permission
    ) THEN
        RAISE EXCEPTION 'cmms.set_role_permission: no permission %', coalesce(set_role_permission.permission, 'NULL')
            USING ERRCODE = 'invalid_parameter_value', HINT = 'the permissions are the names of cmms.permissions.';
    END IF;
    -- One change per organization, role and permission at a time.
    PERFORM pg_catalog.pg_advisory_xact_lock(
        pg_catalog.hashtext('cmms.set_role_permission'),
        pg_catalog.hashtext(org::text || set_role_permission.role || set_role_permission.permission)
    );
    IF set_role_permission.granted IS NULL THEN
        DELETE FROM cmms.role_permission_overrides AS o
        WHERE o.organization_id = org AND o.role = set_role_permission.role
            AND o.permission = set_role_permission.permission AND o.deleted_at IS NULL;
        RETURN;
    END IF;
    UPDATE cmms.role_permission_overrides AS o
    SET granted = set_role_permission.granted
    WHERE o.organization_id = org AND o.role = set_role_permission.role
        AND o.permission = set_role_permission.permission AND o.deleted_at IS NULL;
    IF NOT found THEN
        INSERT INTO cmms.role_permission_overrides (organization_id, role, permission, granted)
        VALUES (org, set_role_permission.role, set_role_permission.permission, set_role_permission.granted);
    END IF;
END;
$$;

COMMENT ON FUNCTION cmms.set_role_permission(text, text, boolean) IS
'In the organization of the tenant context, grants (true) or revokes (false) a permission for a role, or '
'(NULL) removes the override so that the permission''s default applies again. Needs permission.manage. Errors: '
'42501 no context or permission.manage missing; 22023 unknown role or permission, or revoking '
'permission.manage from admin.';

CREATE VIEW cmms.effective_role_permissions WITH (security_invoker = TRUE) AS
SELECT
    o.id AS organization_id,
    r.role,
    p.name AS permission,
    coalesce(x.granted, r.role = any(p.default_roles)) AS granted,
    x.granted IS NOT NULL AS overridden
FROM cmms.organizations AS o
CROSS JOIN pg_catalog.unnest('{admin,manager,technician,requester,viewer}'::text[]) AS r (role)
CROSS JOIN cmms.permissions AS p
LEFT JOIN cmms.role_permission_overrides AS x
    ON x.organization_id = o.id AND x.role = r.role AND x.permission = p.name AND x.deleted_at IS NULL;

COMMENT ON VIEW cmms.effective_role_permissions IS
'Every role''s permissions in the organization of the tenant context (row-level security of the caller): '
'granted after the organization''s overrides, and whether an override decided it.';

REVOKE ALL ON cmms.effective_role_permissions FROM cmms_app, cmms_readonly;
GRANT SELECT ON cmms.effective_role_permissions TO cmms_app, cmms_readonly;

REVOKE ALL ON FUNCTION cmms.has_permission(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION cmms.require_permission(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION cmms.check_role_permission_override() FROM PUBLIC, cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.set_role_permission(text, text, boolean) FROM PUBLIC, cmms_readonly;

GRANT EXECUTE ON FUNCTION cmms.has_permission(text) TO cmms_app, cmms_readonly;
GRANT EXECUTE ON FUNCTION cmms.require_permission(text) TO cmms_app;
GRANT EXECUTE ON FUNCTION cmms.set_role_permission(text, text, boolean) TO cmms_app;
