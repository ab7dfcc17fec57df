-- The owner and the definer owners cannot log in again.
RESET ROLE;

ALTER ROLE cmms_audit NOLOGIN;

ALTER ROLE cmms_search NOLOGIN;

ALTER ROLE cmms_owner NOLOGIN;
