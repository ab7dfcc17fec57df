-- One work order with its assets, its checklists with their items, and its comments, as
-- JSON in one round trip (tenant from the context).
SELECT
    wo.id,
    wo.reference,
    wo.title,
    wo.description,
    wo.status,
    wo.priority,
    wo.due_at,
    (
        SELECT
            coalesce(json_agg(json_build_object(
                'id', a.id, 'asset_tag', a.asset_tag, 'name', a.name, 'status', a.status
            ) ORDER BY a.asset_tag), '[]')
        FROM cmms.work_order_assets AS woa
        INNER JOIN cmms.assets AS a
            ON woa.organization_id = a.organization_id AND woa.asset_id = a.id
        WHERE
            woa.organization_id = wo.organization_id
            AND woa.organization_id = %(org)s  -- superuser only
            AND woa.work_order_id = wo.id
            AND woa.deleted_at IS NULL
            AND a.deleted_at IS NULL
    ) AS assets,
    (
        SELECT
            coalesce(json_agg(json_build_object(
                'id', c.id,
                'name', c.name,
                'completed_at', c.completed_at,
                'items', (
                    SELECT
                        coalesce(json_agg(json_build_object(
                            'position', i.position,
                            'label', i.label,
                            'item_type', i.item_type,
                            'is_done', i.is_done,
                            'result', i.result
                        ) ORDER BY i.position), '[]')
                    FROM cmms.checklist_items AS i
                    WHERE
                        i.organization_id = c.organization_id
                        AND i.organization_id = %(org)s  -- superuser only
                        AND i.checklist_id = c.id
                        AND i.deleted_at IS NULL
                )
            ) ORDER BY c.created_at), '[]')
        FROM cmms.checklists AS c
        WHERE
            c.organization_id = wo.organization_id
            AND c.organization_id = %(org)s  -- superuser only
            AND c.work_order_id = wo.id
            AND c.deleted_at IS NULL
    ) AS checklists,
    (
        SELECT
            coalesce(json_agg(json_build_object(
                'id', cm.id,
                'parent_id', cm.parent_id,
                'author', u.full_name,
                'body', cm.body,
                'created_at', cm.created_at
            ) ORDER BY cm.created_at), '[]')
        FROM cmms.comments AS cm
        LEFT JOIN cmms.users AS u
            ON cm.organization_id = u.organization_id AND cm.author_user_id = u.id
        WHERE
            cm.organization_id = wo.organization_id
            AND cm.organization_id = %(org)s  -- superuser only
            AND cm.work_order_id = wo.id
            AND cm.deleted_at IS NULL
    ) AS comments
FROM cmms.work_orders AS wo
WHERE
    wo.id = %(work_order)s
    AND wo.organization_id = %(org)s  -- superuser only
    AND wo.deleted_at IS NULL
