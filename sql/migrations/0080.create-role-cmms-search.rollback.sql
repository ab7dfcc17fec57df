-- The role cmms_search stays (it belongs to the cluster, other databases may use it), and
-- so does its membership in cmms_owner; its privileges and policies in this database go.
-- cmmsdb: allow multiple-existing-tables because the one search role needs a policy on
-- each searched table, and only a SELECT policy is added (no rewrite, no long lock).
SET LOCAL ROLE cmms_owner;

DROP POLICY assets_search ON cmms.assets;

DROP POLICY work_orders_search ON cmms.work_orders;

REVOKE SELECT ON cmms.assets FROM cmms_search;

REVOKE SELECT ON cmms.work_orders FROM cmms_search;

REVOKE EXECUTE ON FUNCTION cmms.current_org_id() FROM cmms_search;

REVOKE USAGE ON SCHEMA cmms_ext FROM cmms_search;

REVOKE USAGE ON SCHEMA cmms FROM cmms_search;
