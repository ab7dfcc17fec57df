-- cmms.search_work_orders and cmms.search_assets on Citus. They run as cmms_search (SECURITY
-- DEFINER, so that the GIN index serves them under row-level security), and Citus connects to
-- a worker as the current role: after the application changed the tenant's rows in the same
-- transaction (create a work order, then search), Citus refuses cmms_search's connection on
-- that shard group ("placements that were modified in this transaction by a different user").
-- Here each keeps its name as a SECURITY INVOKER function that calls the cmms_search one inside
-- a router query on the tenant's organizations row: the call is pushed down through the
-- application's own connection and runs on the tenant's worker, where its query reaches the
-- co-located shard locally (citus.allow_nested_distributed_execution for the cmms_search
-- functions: they read only the context's tenant, whose shards are all on that worker).
-- Same results, same order (WITH ORDINALITY), same privileges. The cmms_search functions
-- are kept as *_on_worker; the rollback gives them their names back.
-- requires-extension: citus

RESET ROLE;

SELECT set_config('citus.multi_shard_modify_mode', 'sequential', TRUE);

-- cmmsdb: allow renaming-object because the name is taken over at once by the invoker function
-- below, which the application calls by name; the rollback renames it back
ALTER FUNCTION cmms.search_work_orders(text, integer) RENAME TO search_work_orders_on_worker;

-- cmmsdb: allow renaming-object because the name is taken over at once by the invoker function
-- below, which the application calls by name; the rollback renames it back
ALTER FUNCTION cmms.search_assets(text, integer) RENAME TO search_assets_on_worker;

-- Created by the superuser, then given to cmms_owner (as citus/0012 does).
CREATE FUNCTION cmms.search_work_orders(query text, max_results integer DEFAULT 20)
RETURNS TABLE (id uuid, reference text, title text, status text, priority text, rank real)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org pg_catalog.uuid := cmms.current_org_id();
BEGIN
    IF org IS NULL THEN  -- no context: no rows, after the same argument checks
        RETURN QUERY
        SELECT * FROM cmms.search_work_orders_on_worker(search_work_orders.query, search_work_orders.max_results);
        RETURN;
    END IF;
    RETURN QUERY
    SELECT s.id, s.reference, s.title, s.status, s.priority, s.rank
    FROM cmms.organizations AS o
    CROSS JOIN LATERAL
        cmms.search_work_orders_on_worker(search_work_orders.query, search_work_orders.max_results) WITH ORDINALITY AS s
    WHERE o.id = org
    ORDER BY s.ordinality;
END;
$$;

COMMENT ON FUNCTION cmms.search_work_orders(text, integer) IS
'On Citus (module citus/0019): cmms.search_work_orders_on_worker, the cmms_search function, run on the '
'tenant''s worker through the caller''s connection. The tenant''s live work orders that match a search box, '
'best ranked first, at most max_results (1 to 1000); none without context.';

CREATE FUNCTION cmms.search_assets(query text, max_results integer DEFAULT 20)
RETURNS TABLE (id uuid, name text, asset_tag text, category text, status text, rank real)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org pg_catalog.uuid := cmms.current_org_id();
BEGIN
    IF org IS NULL THEN  -- no context: no rows, after the same argument checks
        RETURN QUERY
        SELECT * FROM cmms.search_assets_on_worker(search_assets.query, search_assets.max_results);
        RETURN;
    END IF;
    RETURN QUERY
    SELECT s.id, s.name, s.asset_tag, s.category, s.status, s.rank
    FROM cmms.organizations AS o
    CROSS JOIN LATERAL
        cmms.search_assets_on_worker(search_assets.query, search_assets.max_results) WITH ORDINALITY AS s
    WHERE o.id = org
    ORDER BY s.ordinality;
END;
$$;

COMMENT ON FUNCTION cmms.search_assets(text, integer) IS
'On Citus (module citus/0019): cmms.search_assets_on_worker, the cmms_search function, run on the tenant''s '
'worker through the caller''s connection. The tenant''s live assets that match a search box, best ranked '
'first, at most max_results (1 to 1000); none without context.';

DO $$
DECLARE
    f pg_catalog.regprocedure;
BEGIN
    FOREACH f IN ARRAY ARRAY[
        'cmms.search_work_orders(pg_catalog.text, pg_catalog.int4)',
        'cmms.search_assets(pg_catalog.text, pg_catalog.int4)'
    ]::pg_catalog.regprocedure[] LOOP
        PERFORM create_distributed_function(f);
        EXECUTE pg_catalog.format('ALTER FUNCTION %s OWNER TO cmms_owner', f);
        -- After the distribution, so that every worker gets them (citus/0015).
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO cmms_app, cmms_readonly', f);
    END LOOP;
    -- (in strings: sqlfluff does not parse a dotted setting's name)
    EXECUTE 'ALTER FUNCTION cmms.search_work_orders_on_worker(text, integer)'
        ' SET citus.allow_nested_distributed_execution = on';
    EXECUTE 'ALTER FUNCTION cmms.search_assets_on_worker(text, integer)'
        ' SET citus.allow_nested_distributed_execution = on';
END;
$$;
