-- The detail screen: one work order with its assets, checklists and items, and comments.
\set n random(1, :tenants)
\set k random(0, 199)
BEGIN;
SELECT cmms.set_context(org, usr) FROM public.bench_tenants WHERE n = :n;
SELECT
    wo.id, wo.reference, wo.title, wo.description, wo.status, wo.priority, wo.due_at,
    (
        SELECT coalesce(json_agg(json_build_object('id', a.id, 'name', a.name)), '[]')
        FROM cmms.work_order_assets AS woa
        JOIN cmms.assets AS a ON woa.organization_id = a.organization_id AND woa.asset_id = a.id
        WHERE woa.organization_id = wo.organization_id AND woa.work_order_id = wo.id
            AND woa.deleted_at IS NULL
    ) AS assets,
    (
        SELECT coalesce(json_agg(json_build_object(
            'name', c.name,
            'items', (
                SELECT coalesce(json_agg(json_build_object('label', i.label, 'done', i.is_done)
                    ORDER BY i.position), '[]')
                FROM cmms.checklist_items AS i
                WHERE i.organization_id = c.organization_id AND i.checklist_id = c.id
            )
        )), '[]')
        FROM cmms.checklists AS c
        WHERE c.organization_id = wo.organization_id AND c.work_order_id = wo.id
    ) AS checklists,
    (
        SELECT coalesce(json_agg(json_build_object('body', cm.body, 'at', cm.created_at)
            ORDER BY cm.created_at), '[]')
        FROM cmms.comments AS cm
        WHERE cm.organization_id = wo.organization_id AND cm.work_order_id = wo.id
            AND cm.deleted_at IS NULL
    ) AS comments
FROM cmms.work_orders AS wo
WHERE wo.id = (
    SELECT t.work_orders[1 + :k % cardinality(t.work_orders)]
    FROM public.bench_tenants AS t WHERE t.n = :n
);
COMMIT;
