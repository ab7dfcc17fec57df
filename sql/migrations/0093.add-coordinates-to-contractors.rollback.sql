-- The view is made again as it was before the columns (a view cannot lose columns in
-- place), then the columns go.
SET LOCAL ROLE cmms_owner;

DROP VIEW cmms.active_contractors;

ALTER TABLE cmms.contractors
DROP COLUMN latitude,
DROP COLUMN longitude;

CREATE VIEW cmms.active_contractors WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.contractors
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_contractors IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

REVOKE ALL ON cmms.active_contractors FROM cmms_app, cmms_readonly;
GRANT SELECT ON cmms.active_contractors TO cmms_app, cmms_readonly;
