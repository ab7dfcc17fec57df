-- The dashboard and the translations on Citus:
-- - refresh_dashboard_metrics's four INSERT ... SELECT (GROUP BY GROUPING SETS over unnest'ed
--   statuses and priorities, aggregates) have the organization as a variable and rows that
--   come from an aggregation, so Citus runs them through the coordinator with COPY, which
--   row-level security refuses. Each query's rows are read in a loop (the query itself is a
--   router query: it filters on the tenant) and inserted one by one with INSERT ... VALUES,
--   a router insert into the tenant's shard.
-- - t(key, locale) looked for the override and the global string in one UNION ALL of
--   i18n_overrides (distributed) and i18n_strings (a reference table), which Citus cannot
--   push down ("Reference tables are not supported with union operator"): the same order
--   (each candidate locale, the override first) one query at a time.
-- Same results; the functions are edited in place as in citus/0013 (each edit must match
-- exactly once in the current definition, or the migration fails) and the rollback undoes
-- the edits.
-- requires-extension: citus

RESET ROLE;

-- The texts are quoted as they are in the functions, indentation included.
-- noqa: disable=LT02,LT05
INSERT INTO cmms_citus.function_edits (migration, position, function_name, old_text, new_text) VALUES
    ('citus/0018', 1, 'cmms.refresh_dashboard_metrics', $e$    org uuid := cmms.current_org_id();
$e$, $e$    org uuid := cmms.current_org_id();
    m_org uuid;
    m_metric text;
    m_dimensions jsonb;
    m_value numeric;
    m_at timestamptz;
$e$),
    -- Each query's rows read in a loop and inserted one by one (router INSERT ... VALUES).
    ('citus/0018', 2, 'cmms.refresh_dashboard_metrics',
            $e$    INSERT INTO cmms.dashboard_metrics_cache (organization_id, metric, dimensions, value, computed_at)
    SELECT
        org,
        'open_work_orders',
$e$, $e$    FOR m_org, m_metric, m_dimensions, m_value, m_at IN
    SELECT
        org,
        'open_work_orders',
$e$),
    ('citus/0018', 3, 'cmms.refresh_dashboard_metrics',
            $e$    GROUP BY GROUPING SETS ((cell.status, cell.priority), (cell.status), (cell.priority), ());
$e$, $e$    GROUP BY GROUPING SETS ((cell.status, cell.priority), (cell.status), (cell.priority), ())
    LOOP
        INSERT INTO cmms.dashboard_metrics_cache (organization_id, metric, dimensions, value, computed_at)
        VALUES (m_org, m_metric, m_dimensions, m_value, m_at);
    END LOOP;
$e$),
    ('citus/0018', 4, 'cmms.refresh_dashboard_metrics',
            $e$    INSERT INTO cmms.dashboard_metrics_cache (organization_id, metric, dimensions, value, computed_at)
    SELECT
        org,
        'overdue_work_orders',
$e$, $e$    FOR m_org, m_metric, m_dimensions, m_value, m_at IN
    SELECT
        org,
        'overdue_work_orders',
$e$),
    ('citus/0018', 5, 'cmms.refresh_dashboard_metrics', $e$    GROUP BY GROUPING SETS ((cell.priority), ());
$e$, $e$    GROUP BY GROUPING SETS ((cell.priority), ())
    LOOP
        INSERT INTO cmms.dashboard_metrics_cache (organization_id, metric, dimensions, value, computed_at)
        VALUES (m_org, m_metric, m_dimensions, m_value, m_at);
    END LOOP;
$e$),
    ('citus/0018', 6, 'cmms.refresh_dashboard_metrics',
            $e$    INSERT INTO cmms.dashboard_metrics_cache (organization_id, metric, dimensions, value, computed_at)
    SELECT
        org,
        'mean_time_to_repair_hours',
$e$, $e$    FOR m_org, m_metric, m_dimensions, m_value, m_at IN
    SELECT
        org,
        'mean_time_to_repair_hours',
$e$),
    ('citus/0018', 7, 'cmms.refresh_dashboard_metrics', $e$AND w.completed_at >= now() - INTERVAL '90 days'
    HAVING count(*) > 0;
$e$, $e$AND w.completed_at >= now() - INTERVAL '90 days'
    HAVING count(*) > 0
    LOOP
        INSERT INTO cmms.dashboard_metrics_cache (organization_id, metric, dimensions, value, computed_at)
        VALUES (m_org, m_metric, m_dimensions, m_value, m_at);
    END LOOP;
$e$),
    ('citus/0018', 8, 'cmms.refresh_dashboard_metrics',
            $e$    INSERT INTO cmms.dashboard_metrics_cache (organization_id, metric, dimensions, value, computed_at)
    SELECT
        org,
        'pm_compliance_percent',
$e$, $e$    FOR m_org, m_metric, m_dimensions, m_value, m_at IN
    SELECT
        org,
        'pm_compliance_percent',
$e$),
    (
        'citus/0018', 9, 'cmms.refresh_dashboard_metrics',
        $e$AND w.due_at >= now() - INTERVAL '90 days' AND w.due_at < now()
    HAVING count(*) > 0;
$e$, $e$AND w.due_at >= now() - INTERVAL '90 days' AND w.due_at < now()
    HAVING count(*) > 0
    LOOP
        INSERT INTO cmms.dashboard_metrics_cache (organization_id, metric, dimensions, value, computed_at)
        VALUES (m_org, m_metric, m_dimensions, m_value, m_at);
    END LOOP;
$e$),
    -- t: the override, then the global string, candidate locale by candidate locale, one
    -- table at a time (Citus cannot push down a UNION of a distributed table's rows and a
    -- reference table's); the tenant read into a variable, so the override's query is a
    -- router query.
    ('citus/0018', 10, 'cmms.t', $e$    found text;
$e$, $e$    found text;
    org uuid := cmms.current_org_id();
    candidate text;
$e$),
    ('citus/0018', 11, 'cmms.t', $e$    SELECT c.text INTO found
    FROM pg_catalog.unnest(candidates) WITH ORDINALITY AS l (locale, n)
    CROSS JOIN LATERAL (
        SELECT o.text, 1 AS source
        FROM cmms.i18n_overrides AS o
        WHERE
            o.organization_id = cmms.current_org_id()
            AND o.key = t.key
            AND o.locale = l.locale
            AND o.deleted_at IS NULL
        UNION ALL
        SELECT s.text, 2 AS source
        FROM cmms.i18n_strings AS s
        WHERE s.key = t.key AND s.locale = l.locale AND s.deleted_at IS NULL
    ) AS c
    ORDER BY l.n, c.source
    LIMIT 1;
    RETURN found;
$e$, $e$    FOREACH candidate IN ARRAY candidates LOOP
        SELECT o.text INTO found
        FROM cmms.i18n_overrides AS o
        WHERE
            o.organization_id = org
            AND o.key = t.key
            AND o.locale = candidate
            AND o.deleted_at IS NULL
        LIMIT 1;
        IF found IS NOT NULL THEN
            RETURN found;
        END IF;
        SELECT s.text INTO found
        FROM cmms.i18n_strings AS s
        WHERE s.key = t.key AND s.locale = candidate AND s.deleted_at IS NULL
        LIMIT 1;
        IF found IS NOT NULL THEN
            RETURN found;
        END IF;
    END LOOP;
    RETURN NULL;
$e$);
-- noqa: enable=LT02,LT05

SELECT cmms_citus.edit_functions('citus/0018');
