-- Parts at or below their reorder point (tenant from the context).
SELECT
    p.id,
    p.part_number,
    p.name,
    p.quantity_on_hand,
    p.reorder_point,
    p.reorder_quantity
FROM cmms.parts_inventory AS p
WHERE
    p.quantity_on_hand <= p.reorder_point
    AND p.organization_id = %(org)s  -- superuser only
    AND p.deleted_at IS NULL
ORDER BY p.part_number, p.id
