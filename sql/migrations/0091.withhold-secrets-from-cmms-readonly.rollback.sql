-- cmms_readonly reads users and user_sessions whole again (revoking the table privilege
-- revokes the column privileges too), and active_users shows password_hash, as 0004 and
-- 0008 made them.
SET LOCAL ROLE cmms_owner;

REVOKE SELECT ON cmms.users, cmms.user_sessions FROM cmms_readonly;
GRANT SELECT ON cmms.users, cmms.user_sessions TO cmms_readonly;

DROP VIEW cmms.active_users;

CREATE VIEW cmms.active_users WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.users
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_users IS
'Users that are not soft-deleted; runs with the privileges and row-level security of the caller.';

REVOKE ALL ON cmms.active_users FROM cmms_app, cmms_readonly;
GRANT SELECT ON cmms.active_users TO cmms_app, cmms_readonly;
