-- Full-text search on work orders, best 20 by rank (tenant from the context).
SELECT
    wo.id,
    wo.reference,
    wo.title,
    ts_rank(wo.search_vector, websearch_to_tsquery('english', %(words)s)) AS rank
FROM cmms.work_orders AS wo
WHERE
    wo.search_vector @@ websearch_to_tsquery('english', %(words)s)
    AND wo.organization_id = %(org)s  -- superuser only
    AND wo.deleted_at IS NULL
ORDER BY rank DESC, wo.id
LIMIT 20
