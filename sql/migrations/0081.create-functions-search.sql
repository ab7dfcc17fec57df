-- Ranked full-text search of work orders and assets, with prefix matching of the last word
-- (search as you type), served by the GIN indexes of their search_vector columns under
-- row-level security: the two search functions run as cmms_search (0080), whose only
-- policy on these tables is USING (true), and filter by the tenant context and deleted_at
-- themselves, so that @@ can use the index (as cmms_app it could not: @@ is not LEAKPROOF).
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.prefix_tsquery(query text)
RETURNS tsquery
LANGUAGE plpgsql
STABLE PARALLEL SAFE
SET search_path = ''
AS $$
DECLARE
    word record;
    alternatives text[];
    typed text;
    terms text[] := '{}'::text[];
    is_last boolean := TRUE;
BEGIN
    -- Words as the english configuration of the search vectors parses and normalises them,
    -- last word first.
    FOR word IN
        SELECT d.token, d.lexemes
        FROM pg_catalog.ts_debug('pg_catalog.english'::pg_catalog.regconfig, query)
            WITH ORDINALITY AS d (alias, description, token, dictionaries, dictionary, lexemes, n)
        WHERE d.alias <> 'blank'
        ORDER BY d.n DESC
    LOOP
        -- Each lexeme quoted for tsquery input: quotes and backslashes doubled.
        SELECT coalesce(pg_catalog.array_agg(
            '''' || pg_catalog.replace(pg_catalog.replace(l.lexeme, '\', '\\'), '''', '''''') || ''''
            || CASE WHEN is_last THEN ':*' ELSE '' END
        ), '{}')
        INTO alternatives
        FROM pg_catalog.unnest(word.lexemes) AS l (lexeme);
        IF is_last THEN
            -- The word being typed: its stem as a prefix, or the word itself as typed (a
            -- stop word may be the start of another word).
            typed := ''''
                || pg_catalog.replace(pg_catalog.replace(pg_catalog.lower(word.token), '\', '\\'), '''', '''''')
                || ''':*';
            IF typed <> ALL (alternatives) THEN
                alternatives := alternatives || typed;
            END IF;
            is_last := FALSE;
        END IF;
        IF pg_catalog.cardinality(alternatives) > 0 THEN
            terms := ('(' || pg_catalog.array_to_string(alternatives, ' | ') || ')') || terms;
        END IF;
    END LOOP;
    IF pg_catalog.cardinality(terms) = 0 THEN
        RETURN NULL;
    END IF;
    RETURN pg_catalog.array_to_string(terms, ' & ')::pg_catalog.tsquery;
END;
$$;

COMMENT ON FUNCTION cmms.prefix_tsquery(text) IS
'The tsquery of a search box: every word (english stems, stop words dropped) must match, and the last word '
'matches as a prefix, so that results come while the user types; NULL when the text has no word.';

CREATE FUNCTION cmms.search_work_orders(query text, max_results integer DEFAULT 20)
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

COMMENT ON FUNCTION cmms.search_work_orders(text, integer) IS
'The tenant''s live work orders that match a search box (cmms.prefix_tsquery: every word, the last as a prefix; '
'reference, title, description), best ranked first, at most max_results (1 to 1000). Runs as cmms_search so that '
'the GIN index serves it under row-level security; reads only the rows of cmms.current_org_id() '
'(none without context).';

CREATE FUNCTION cmms.search_assets(query text, max_results integer DEFAULT 20)
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

COMMENT ON FUNCTION cmms.search_assets(text, integer) IS
'The tenant''s live assets that match a search box (cmms.prefix_tsquery: every word, the last as a prefix; tag, '
'serial number, name, manufacturer, model, category, description), best ranked first, at most max_results (1 to '
'1000). Runs as cmms_search so that the GIN index serves it under row-level security; reads only the rows of '
'cmms.current_org_id() (none without context).';

-- Owned by cmms_search, which needs CREATE on the schema for the hand-over only.
GRANT CREATE ON SCHEMA cmms TO cmms_search;

ALTER FUNCTION cmms.search_work_orders(text, integer) OWNER TO cmms_search;

ALTER FUNCTION cmms.search_assets(text, integer) OWNER TO cmms_search;

REVOKE CREATE ON SCHEMA cmms FROM cmms_search;

GRANT EXECUTE ON FUNCTION cmms.prefix_tsquery(text) TO cmms_search;

REVOKE EXECUTE ON FUNCTION cmms.search_work_orders(text, integer) FROM PUBLIC;

REVOKE EXECUTE ON FUNCTION cmms.search_assets(text, integer) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION cmms.search_work_orders(text, integer) TO cmms_app, cmms_readonly;

GRANT EXECUTE ON FUNCTION cmms.search_assets(text, integer) TO cmms_app, cmms_readonly;
