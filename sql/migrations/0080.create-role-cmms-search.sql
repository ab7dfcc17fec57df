-- The role that runs the search and distance functions (0081, 0082), so that their
-- indexes serve them under row-level security. As cmms_app, a policy's tenant check is a
-- security barrier: a qual that is not LEAKPROOF (the @@ of full-text search,
-- earthdistance's @>, PostGIS's ST_DWithin) may not run before it, so its GIN or GiST index
-- is not used (bench/queries.py: 5.4 times slower). cmms_search is NOLOGIN and NOBYPASSRLS;
-- its only policies are SELECT USING (true) on the two tables it searches, so for it there
-- is no barrier, and the functions it owns (SECURITY DEFINER, search_path '') filter by
-- organization_id = cmms.current_org_id() and deleted_at IS NULL themselves: no context
-- means no rows. It has no other privilege: no write, no other table.
-- The role belongs to the cluster: created only when missing, and the rollback leaves it.
-- cmmsdb: allow multiple-existing-tables because the one search role needs a policy on
-- each searched table, and only a SELECT policy is added (no rewrite, no long lock).
SET LOCAL ROLE cmms_owner;

-- As the login role: creating a role takes CREATEROLE, which cmms_owner has not.
RESET ROLE;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'cmms_search') THEN
        CREATE ROLE cmms_search NOLOGIN NOBYPASSRLS;
    END IF;
    -- cmms_owner hands its search functions over to cmms_search, and migrations replace
    -- them later (the postgis module): that takes membership.
    IF NOT pg_catalog.pg_has_role('cmms_owner', 'cmms_search', 'MEMBER') THEN
        GRANT cmms_search TO cmms_owner;
    END IF;
END;
$$;

SET LOCAL ROLE cmms_owner;

GRANT USAGE ON SCHEMA cmms TO cmms_search;

-- earthdistance, cube and PostGIS, when cmmsdb installed them.
GRANT USAGE ON SCHEMA cmms_ext TO cmms_search;

GRANT EXECUTE ON FUNCTION cmms.current_org_id() TO cmms_search;

GRANT SELECT ON cmms.work_orders TO cmms_search;

GRANT SELECT ON cmms.assets TO cmms_search;

CREATE POLICY work_orders_search ON cmms.work_orders
FOR SELECT TO cmms_search
USING (TRUE);

CREATE POLICY assets_search ON cmms.assets
FOR SELECT TO cmms_search
USING (TRUE);

COMMENT ON POLICY work_orders_search ON cmms.work_orders IS
'cmms_search reads every row: its only use is the SECURITY DEFINER search functions, which filter by '
'cmms.current_org_id() and deleted_at themselves, so that the GIN index serves them.';

COMMENT ON POLICY assets_search ON cmms.assets IS
'cmms_search reads every row: its only use is the SECURITY DEFINER search and radius functions, which filter by '
'cmms.current_org_id() and deleted_at themselves, so that the GIN and GiST indexes serve them.';
