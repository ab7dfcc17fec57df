-- cmms.refresh_dashboard_metrics: recomputes the tenant's rows of dashboard_metrics_cache
-- (open work orders by status and priority, overdue work orders, mean time to repair, PM
-- compliance) and returns them, so that dashboards read a few cached rows.
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.refresh_dashboard_metrics()
RETURNS SETOF cmms.dashboard_metrics_cache
LANGUAGE plpgsql
VOLATILE
SET search_path = ''
AS $$
DECLARE
    org uuid := cmms.current_org_id();
BEGIN
    IF org IS NULL THEN
        RAISE EXCEPTION 'cmms.refresh_dashboard_metrics: no tenant context'
            USING ERRCODE = 'insufficient_privilege',
            HINT = 'call cmms.set_context(organization_id, user_id) first, in the same transaction';
    END IF;

    -- Advisory lock class 1145127752 (0x44415348, 'DASH') keyed by the organization: one
    -- refresh at a time, the next one starts from the rows this one committed.
    PERFORM pg_catalog.pg_advisory_xact_lock(1145127752, pg_catalog.hashtext(org::text));

    DELETE FROM cmms.dashboard_metrics_cache AS c
    WHERE c.organization_id = org;

    -- Open work orders: every status x priority cell (zeros included, for a stable shape),
    -- the total of each status, of each priority, and the total ({}).
    INSERT INTO cmms.dashboard_metrics_cache (organization_id, metric, dimensions, value, computed_at)
    SELECT
        org,
        'open_work_orders',
        pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('status', cell.status, 'priority', cell.priority)),
        sum(cell.n),
        now()
    FROM (
        SELECT s.status, p.priority, count(w.id) AS n
        FROM unnest(ARRAY['open', 'in_progress', 'on_hold']) AS s (status)
        CROSS JOIN unnest(ARRAY['low', 'medium', 'high', 'urgent']) AS p (priority)
        LEFT JOIN cmms.work_orders AS w
            ON
                w.organization_id = org AND w.deleted_at IS NULL
                AND w.status = s.status AND w.priority = p.priority
        GROUP BY s.status, p.priority
    ) AS cell
    GROUP BY GROUPING SETS ((cell.status, cell.priority), (cell.status), (cell.priority), ());

    -- Overdue: open work orders past their due date, by priority and in total.
    INSERT INTO cmms.dashboard_metrics_cache (organization_id, metric, dimensions, value, computed_at)
    SELECT
        org,
        'overdue_work_orders',
        pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('priority', cell.priority)),
        sum(cell.n),
        now()
    FROM (
        SELECT p.priority, count(w.id) AS n
        FROM unnest(ARRAY['low', 'medium', 'high', 'urgent']) AS p (priority)
        LEFT JOIN cmms.work_orders AS w
            ON
                w.organization_id = org AND w.deleted_at IS NULL
                AND w.status IN ('open', 'in_progress', 'on_hold') AND w.due_at < now()
                AND w.priority = p.priority
        GROUP BY p.priority
    ) AS cell
    GROUP BY GROUPING SETS ((cell.priority), ());

    -- Mean time to repair: corrective work orders completed in the last 90 days, from
    -- started_at (created_at when never started) to completed_at, in hours. No row when
    -- there is none (no repair is not a zero time).
    INSERT INTO cmms.dashboard_metrics_cache (organization_id, metric, dimensions, value, computed_at)
    SELECT
        org,
        'mean_time_to_repair_hours',
        '{}'::jsonb,
        round(avg(extract(EPOCH FROM w.completed_at - coalesce(w.started_at, w.created_at))) / 3600, 2),
        now()
    FROM cmms.work_orders AS w
    WHERE
        w.organization_id = org AND w.deleted_at IS NULL AND w.work_order_type = 'corrective'
        AND w.status IN ('completed', 'closed') AND w.completed_at >= now() - INTERVAL '90 days'
    HAVING count(*) > 0;

    -- PM compliance: of the preventive work orders due in the last 90 days, the percentage
    -- completed by their due date (cancelled or late ones count against it). No row when
    -- none was due.
    INSERT INTO cmms.dashboard_metrics_cache (organization_id, metric, dimensions, value, computed_at)
    SELECT
        org,
        'pm_compliance_percent',
        '{}'::jsonb,
        round(
            100.0 * count(*) FILTER (
                WHERE w.status IN ('completed', 'closed') AND w.completed_at <= w.due_at
            ) / count(*),
            1
        ),
        now()
    FROM cmms.work_orders AS w
    WHERE
        w.organization_id = org AND w.deleted_at IS NULL AND w.work_order_type = 'preventive'
        AND w.due_at >= now() - INTERVAL '90 days' AND w.due_at < now()
    HAVING count(*) > 0;

    RETURN QUERY
    SELECT c.*
    FROM cmms.dashboard_metrics_cache AS c
    WHERE c.organization_id = org
    ORDER BY c.metric, c.dimensions::text;
END;
$$;

COMMENT ON FUNCTION cmms.refresh_dashboard_metrics() IS
'Recomputes the tenant''s rows of dashboard_metrics_cache (all replaced, computed_at = now()) and returns them. '
'open_work_orders: live work orders in open, in_progress or on_hold, for each {"status", "priority"} pair (zeros '
'included), each {"status"}, each {"priority"} and in total ({}). overdue_work_orders: those with due_at before '
'now(), per {"priority"} and in total. mean_time_to_repair_hours ({}): mean of completed_at minus started_at '
'(created_at when never started) over corrective work orders completed or closed in the last 90 days. '
'pm_compliance_percent ({}): share of preventive work orders due in the last 90 days that were completed by '
'due_at (cancelled and late ones count as missed). The last two are absent when nothing qualifies. Refreshes of '
'one organization queue on an advisory lock (class 1145127752, ''DASH''). Errors: 42501 no tenant context.';

REVOKE ALL ON FUNCTION cmms.refresh_dashboard_metrics() FROM PUBLIC, cmms_readonly;
GRANT EXECUTE ON FUNCTION cmms.refresh_dashboard_metrics() TO cmms_app;
