SET LOCAL ROLE cmms_owner;

ALTER TABLE cmms.user_sessions
ALTER COLUMN created_by DROP DEFAULT,
ALTER COLUMN updated_by DROP DEFAULT;

ALTER TABLE cmms.users
ALTER COLUMN created_by DROP DEFAULT,
ALTER COLUMN updated_by DROP DEFAULT;

ALTER TABLE cmms.organizations
ALTER COLUMN created_by DROP DEFAULT,
ALTER COLUMN updated_by DROP DEFAULT;

DROP FUNCTION cmms.current_user_id();

DROP FUNCTION cmms.current_org_id();

DROP FUNCTION cmms.set_context(uuid, uuid);
