-- Parts at or below their reorder point (explicit tenant filter).
SELECT
    p.id,
    p.part_number,
    p.name,
    p.quantity_on_hand,
    p.reorder_point,
    p.reorder_quantity
FROM cmms.parts_inventory AS p
WHERE
    p.organization_id = %(org)s
    AND p.quantity_on_hand <= p.reorder_point
    AND p.deleted_at IS NULL
ORDER BY p.part_number, p.id
