-- cmms_search's bypass is used only by the functions it owns. 0080 made cmms_owner an
-- inheriting member of cmms_search, so that it could hand functions over and replace them;
-- with that, any login acting as the owner (migrations, `partitions maintain` from cron)
-- passed cmms_search's USING (true) policies and saw every tenant's work orders and assets
-- with no context at all. cmms_owner stops being a member: nobody is a member of cmms_search
-- (a migration that must change one of its functions takes the membership for its own
-- transaction, as this one does before revoking it).
-- The two search functions are replaced first, while the membership lasts, with every type
-- in their bodies schema-qualified and search_path = pg_catalog, pg_temp (0086).
-- cmms.assets_within no longer needs cmms_search: its core (earthdistance) version is served
-- by the btree on (organization_id, latitude, longitude), whose comparisons are LEAKPROOF
-- and so usable under row-level security. It becomes an invoker function owned by
-- cmms_owner, read under the caller's policies. The postgis module's version needs the GiST
-- index of assets.geog, which ST_DWithin cannot use under row-level security: postgis/0003
-- hands that version to cmms_search. Only attributes change here, never the body, so a
-- database where the postgis module is applied keeps its version.
SET LOCAL ROLE cmms_owner;

CREATE OR REPLACE FUNCTION cmms.search_work_orders(query text, max_results integer DEFAULT 20)
RETURNS TABLE (id uuid, reference text, title text, status text, priority text, rank real)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org pg_catalog.uuid := cmms.current_org_id();
    terms pg_catalog.tsquery;
BEGIN
    IF max_results IS NULL OR max_results NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'cmms.search_work_orders: max_results must be between 1 and 1000, not %', max_results
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pg_catalog.length(query) > 1000 THEN
        RAISE EXCEPTION 'cmms.search_work_orders: the query is longer than 1000 characters'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    terms := cmms.prefix_tsquery(query);
    IF org IS NULL OR terms IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT
        w.id,
        w.reference,
        w.title,
        w.status,
        w.priority,
        pg_catalog.ts_rank(w.search_vector, terms)
    FROM cmms.work_orders AS w
    WHERE
        w.organization_id = org
        AND w.deleted_at IS NULL
        AND w.search_vector OPERATOR(pg_catalog.@@) terms
    ORDER BY 6 DESC, w.updated_at DESC, w.id
    LIMIT max_results;
END;
$$;

COMMENT ON FUNCTION cmms.search_work_orders(text, integer) IS
'The tenant''s live work orders that match a search box (cmms.prefix_tsquery: every word, the last as a prefix; '
'reference, title, description), best ranked first, at most max_results (1 to 1000). Runs as cmms_search so that '
'the GIN index serves it under row-level security; reads only the rows of cmms.current_org_id() '
'(none without context).';

CREATE OR REPLACE FUNCTION cmms.search_assets(query text, max_results integer DEFAULT 20)
RETURNS TABLE (id uuid, name text, asset_tag text, category text, status text, rank real)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org pg_catalog.uuid := cmms.current_org_id();
    terms pg_catalog.tsquery;
BEGIN
    IF max_results IS NULL OR max_results NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'cmms.search_assets: max_results must be between 1 and 1000, not %', max_results
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pg_catalog.length(query) > 1000 THEN
        RAISE EXCEPTION 'cmms.search_assets: the query is longer than 1000 characters'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    terms := cmms.prefix_tsquery(query);
    IF org IS NULL OR terms IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT
        a.id,
        a.name,
        a.asset_tag,
        a.category,
        a.status,
        pg_catalog.ts_rank(a.search_vector, terms)
    FROM cmms.assets AS a
    WHERE
        a.organization_id = org
        AND a.deleted_at IS NULL
        AND a.search_vector OPERATOR(pg_catalog.@@) terms
    ORDER BY 6 DESC, a.updated_at DESC, a.id
    LIMIT max_results;
END;
$$;

ALTER FUNCTION cmms.assets_within(double precision, double precision, double precision)
SECURITY INVOKER
SET search_path = pg_catalog, pg_temp;

ALTER FUNCTION cmms.assets_within(double precision, double precision, double precision)
OWNER TO cmms_owner;

COMMENT ON FUNCTION cmms.assets_within(double precision, double precision, double precision) IS
'The tenant''s live assets within radius_m metres (up to 20000 km) of the point at latitude, longitude (degrees), '
'nearest first, with their distance in metres. Core: a latitude/longitude box served by '
'assets_organization_id_latitude_longitude_idx, then earthdistance''s great-circle distance, under the caller''s '
'row-level security; with the postgis module: ST_DWithin on assets.geog (GiST), distances on the WGS 84 spheroid, '
'run as cmms_search. Reads only the rows of cmms.current_org_id() (none without context).';

-- As the login role: revoking membership takes the right to grant cmms_search. From
-- PostgreSQL 16 on, a membership is revoked by naming who granted it.
RESET ROLE;

DO $$
DECLARE
    grantor pg_catalog.text;
BEGIN
    IF pg_catalog.current_setting('server_version_num')::pg_catalog.int4 < 160000 THEN
        REVOKE cmms_search FROM cmms_owner;
        RETURN;
    END IF;
    FOR grantor IN
        SELECT pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(m.grantor))
        FROM pg_catalog.pg_auth_members AS m
        WHERE m.roleid = 'cmms_search'::pg_catalog.regrole AND m.member = 'cmms_owner'::pg_catalog.regrole
    LOOP
        EXECUTE 'REVOKE cmms_search FROM cmms_owner GRANTED BY ' || grantor;
    END LOOP;
END;
$$;
