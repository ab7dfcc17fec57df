-- Open work orders of the tenant by priority, one page of 50 (tenant from the context).
SELECT
    id,
    reference,
    title,
    status,
    priority,
    due_at
FROM cmms.work_orders
WHERE
    status IN ('open', 'in_progress', 'on_hold')
    AND organization_id = %(org)s  -- superuser only
    AND deleted_at IS NULL
ORDER BY priority_rank, due_at
LIMIT 50
