-- tenancy_reset.sql: what a tenant pool runs on a connection given back, outside any
-- transaction, one statement at a time: role and session settings back to the login's
-- defaults (RESET ALL leaves the role alone). The tenant context itself is
-- transaction-local (cmms.set_context) and gone at COMMIT or ROLLBACK already.
RESET ROLE;
RESET ALL
