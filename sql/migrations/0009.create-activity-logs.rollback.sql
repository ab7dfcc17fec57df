SET LOCAL ROLE cmms_owner;

DROP TRIGGER users_audit ON cmms.users;

DROP TRIGGER organizations_audit ON cmms.organizations;

DROP FUNCTION cmms.audit_row_change();

DROP TABLE cmms.activity_logs;

DROP FUNCTION cmms.refuse_audit_change();
