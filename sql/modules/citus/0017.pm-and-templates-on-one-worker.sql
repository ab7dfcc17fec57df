-- Preventive maintenance and work order templates on Citus:
-- - generate_pm_work_orders advances each schedule with an UPDATE whose CASE called now():
--   Citus refuses a non-immutable function inside CASE or COALESCE in an UPDATE of a
--   distributed table. The time is read into a variable first (now() is the transaction's
--   time: the same value).
-- - apply_work_order_template (called by generate_pm_work_orders and create_work_order)
--   copied the template's checklists, items and parts with INSERT ... SELECT whose
--   organization_id is a variable: Citus runs those through the coordinator with COPY, which
--   row-level security refuses. Each row is its own router INSERT ... VALUES here, the
--   checklists with a new id each, their items after them.
-- Same rows; the functions are edited in place as in citus/0013 (each edit must match
-- exactly once in the current definition, or the migration fails) and the rollback undoes
-- the edits.
-- requires-extension: citus

RESET ROLE;

-- The texts are quoted as they are in the functions, indentation included.
-- noqa: disable=LT02,LT05
INSERT INTO cmms_citus.function_edits (migration, position, function_name, old_text, new_text) VALUES
    -- generate_pm_work_orders: the time of the run read into a variable (Citus refuses a
    -- non-immutable function inside CASE in an UPDATE of a distributed table).
    ('citus/0017', 1, 'cmms.generate_pm_work_orders', $e$    created integer := 0;
$e$, $e$    created integer := 0;
    generated_at timestamptz := now();
$e$),
    ('citus/0017', 2, 'cmms.generate_pm_work_orders',
            $e$last_generated_at = CASE WHEN new_id IS NOT NULL THEN now() ELSE s.last_generated_at END$e$,
            $e$last_generated_at = CASE WHEN new_id IS NOT NULL THEN generated_at ELSE s.last_generated_at END$e$),
    -- apply_work_order_template: each checklist, item and part reservation its own router
    -- INSERT ... VALUES (an INSERT ... SELECT with the organization as a variable runs
    -- through the coordinator with COPY, which row-level security refuses).
    ('citus/0017', 3, 'cmms.apply_work_order_template', $e$    org uuid := cmms.require_context();
$e$, $e$    org uuid := cmms.require_context();
    checklist record;
    copied_id uuid;
    item record;
    part record;
$e$),
    ('citus/0017', 4, 'cmms.apply_work_order_template',
            $e$    -- The template's live checklists, each with a new id; a volatile CTE is evaluated once,
    -- so the items below map to the same new ids.
    WITH source AS (
        SELECT c.id AS template_checklist_id, pg_catalog.gen_random_uuid() AS new_id, c.name, c.description,
            c.requires_signature
        FROM cmms.checklists AS c
        WHERE c.organization_id = org AND c.template_id = p_template_id AND c.deleted_at IS NULL
    ),

    copied AS (
        INSERT INTO cmms.checklists (organization_id, id, work_order_id, name, description, requires_signature)
        SELECT org, s.new_id, p_work_order_id, s.name, s.description, s.requires_signature
        FROM source AS s
        RETURNING id
    )

    INSERT INTO cmms.checklist_items (organization_id, checklist_id, position, label, item_type, is_required)
    SELECT org, s.new_id, i.position, i.label, i.item_type, i.is_required
    FROM source AS s
    INNER JOIN cmms.checklist_items AS i
        ON i.organization_id = org AND i.checklist_id = s.template_checklist_id AND i.deleted_at IS NULL
    WHERE s.new_id IN (SELECT copied.id FROM copied);

    INSERT INTO cmms.part_reservations (organization_id, work_order_id, part_id, quantity)
    SELECT org, p_work_order_id, tp.part_id, tp.quantity
    FROM cmms.work_order_template_parts AS tp
    INNER JOIN cmms.parts_inventory AS p
        ON p.organization_id = org AND p.id = tp.part_id AND p.deleted_at IS NULL
    WHERE tp.organization_id = org AND tp.template_id = p_template_id AND tp.deleted_at IS NULL;
$e$, $e$    -- The template's live checklists, each with a new id, and their live items.
    FOR checklist IN
        SELECT c.id, c.name, c.description, c.requires_signature
        FROM cmms.checklists AS c
        WHERE c.organization_id = org AND c.template_id = p_template_id AND c.deleted_at IS NULL
        ORDER BY c.created_at, c.id
    LOOP
        copied_id := pg_catalog.gen_random_uuid();
        INSERT INTO cmms.checklists (organization_id, id, work_order_id, name, description, requires_signature)
        VALUES (org, copied_id, p_work_order_id, checklist.name, checklist.description, checklist.requires_signature);
        FOR item IN
            SELECT i.position, i.label, i.item_type, i.is_required
            FROM cmms.checklist_items AS i
            WHERE i.organization_id = org AND i.checklist_id = checklist.id AND i.deleted_at IS NULL
            ORDER BY i.position, i.id
        LOOP
            INSERT INTO cmms.checklist_items (organization_id, checklist_id, position, label, item_type, is_required)
            VALUES (org, copied_id, item.position, item.label, item.item_type, item.is_required);
        END LOOP;
    END LOOP;

    FOR part IN
        SELECT tp.part_id, tp.quantity
        FROM cmms.work_order_template_parts AS tp
        INNER JOIN cmms.parts_inventory AS p
            ON p.organization_id = org AND p.id = tp.part_id AND p.deleted_at IS NULL
        WHERE tp.organization_id = org AND tp.template_id = p_template_id AND tp.deleted_at IS NULL
        ORDER BY tp.part_id
    LOOP
        INSERT INTO cmms.part_reservations (organization_id, work_order_id, part_id, quantity)
        VALUES (org, p_work_order_id, part.part_id, part.quantity);
    END LOOP;
$e$);
-- noqa: enable=LT02,LT05

SELECT cmms_citus.edit_functions('citus/0017');
