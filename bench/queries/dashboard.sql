-- Dashboard metrics computed live (tenant from the context): open work orders by status
-- and priority, how many are overdue at the base time, and the mean time to repair of the
-- work completed in the 90 days before it.
WITH open_work AS (
    SELECT
        wo.status,
        wo.priority,
        wo.due_at
    FROM cmms.work_orders AS wo
    WHERE
        wo.status IN ('open', 'in_progress', 'on_hold')
        AND wo.organization_id = %(org)s  -- superuser only
        AND wo.deleted_at IS NULL
)

SELECT
    (
        SELECT
            json_agg(
                json_build_object('status', s.status, 'priority', s.priority, 'count', s.n)
                ORDER BY s.status, s.priority
            )
        FROM (
            SELECT
                ow.status,
                ow.priority,
                count(*) AS n
            FROM open_work AS ow
            GROUP BY ow.status, ow.priority
        ) AS s
    ) AS open_by_status_priority,
    (
        SELECT count(*)
        FROM open_work AS ow
        WHERE ow.due_at < %(now)s::timestamptz
    ) AS overdue,
    (
        SELECT avg(wo.completed_at - wo.started_at)
        FROM cmms.work_orders AS wo
        WHERE
            wo.status IN ('completed', 'closed')
            AND wo.organization_id = %(org)s  -- superuser only
            AND wo.deleted_at IS NULL
            AND wo.completed_at >= %(now)s::timestamptz - interval '90 days'
            AND wo.completed_at < %(now)s::timestamptz
    ) AS mean_time_to_repair
