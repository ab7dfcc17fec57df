-- Full-text search on work orders, best 20 by rank, the last word a prefix: the query
-- cmms.search_work_orders() runs (see search_work_orders.app.sql), with the tenant filter
-- written out for the superuser.
SELECT
    wo.id,
    wo.reference,
    wo.title,
    wo.status,
    wo.priority,
    ts_rank(wo.search_vector, q.terms) AS rank
FROM cmms.work_orders AS wo
CROSS JOIN (SELECT cmms.prefix_tsquery(%(words)s) AS terms) AS q
WHERE
    wo.search_vector @@ q.terms
    AND wo.organization_id = %(org)s  -- superuser only
    AND wo.deleted_at IS NULL
ORDER BY rank DESC, wo.updated_at DESC, wo.id
LIMIT 20
