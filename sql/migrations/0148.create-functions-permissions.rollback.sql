SET LOCAL ROLE cmms_owner;

DROP VIEW cmms.effective_role_permissions;

DROP FUNCTION cmms.set_role_permission(text, text, boolean);

DROP TRIGGER role_permission_overrides_check ON cmms.role_permission_overrides;

DROP FUNCTION cmms.check_role_permission_override();

DROP FUNCTION cmms.require_permission(text);

DROP FUNCTION cmms.has_permission(text);
