-- Full-text search on work orders, best 20 by rank, the last word a prefix: the query
-- cmms.search_work_orders() runs (see search_work_orders.app.sql), with the tenant filter
-- written out for the superuser. The terms are computed once (OFFSET 0 keeps the subquery
-- from being pulled up, which would call prefix_tsquery for every row), as the function's
-- variable is.
SELECT
    wo.id,
    wo.reference,
    wo.title,
    wo.status,
    wo.priority,
    ts_rank(wo.search_vector, q.terms) AS rank
FROM (SELECT cmms.prefix_tsquery(%(words)s) AS terms OFFSET 0) AS q
CROSS JOIN cmms.work_orders AS wo
WHERE
    wo.search_vector @@ q.terms
    AND wo.organization_id = %(org)s  -- superuser only
    AND wo.deleted_at IS NULL
ORDER BY rank DESC, wo.updated_at DESC, wo.id
LIMIT 20
