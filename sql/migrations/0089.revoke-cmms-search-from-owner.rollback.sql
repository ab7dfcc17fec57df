-- cmms_owner an inheriting member of cmms_search again, the search functions of 0081 and
-- assets_within as 0082 left it (SECURITY DEFINER, owned by cmms_search, empty search path);
-- its body is left as it is (core or postgis module).
RESET ROLE;

-- cmmsdb: allow grant-role because the rollback restores 0080's membership exactly
GRANT cmms_search TO cmms_owner;

SET LOCAL ROLE cmms_owner;

COMMENT ON FUNCTION cmms.assets_within(double precision, double precision, double precision) IS
'The tenant''s live assets within radius_m metres (up to 20000 km) of the point at latitude, longitude (degrees), '
'nearest first, with their distance in metres. Core: a latitude/longitude box served by '
'assets_organization_id_latitude_longitude_idx, then earthdistance''s great-circle distance; with the postgis '
'module: ST_DWithin on assets.geog (GiST), distances on the WGS 84 spheroid. Runs as cmms_search; reads only the '
'rows of cmms.current_org_id() (none without context).';

-- Owned by cmms_search, which needs CREATE on the schema for the hand-over only.
GRANT CREATE ON SCHEMA cmms TO cmms_search;

ALTER FUNCTION cmms.assets_within(double precision, double precision, double precision)
OWNER TO cmms_search;

REVOKE CREATE ON SCHEMA cmms FROM cmms_search;

ALTER FUNCTION cmms.assets_within(double precision, double precision, double precision)
SET search_path = '';

-- cmmsdb: allow definer-function because the rollback restores 0082's function exactly
ALTER FUNCTION cmms.assets_within(double precision, double precision, double precision)
SECURITY DEFINER;

CREATE OR REPLACE FUNCTION cmms.search_assets(query text, max_results integer DEFAULT 20)
RETURNS TABLE (id uuid, name text, asset_tag text, category text, status text, rank real)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    org uuid := cmms.current_org_id();
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

CREATE OR REPLACE FUNCTION cmms.search_work_orders(query text, max_results integer DEFAULT 20)
RETURNS TABLE (id uuid, reference text, title text, status text, priority text, rank real)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    org uuid := cmms.current_org_id();
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
