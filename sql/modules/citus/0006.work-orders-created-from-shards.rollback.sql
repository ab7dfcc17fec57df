-- Core migration 0141's cmms.record_work_orders_created() again, with 0164's generic plan.
RESET ROLE;

CREATE OR REPLACE FUNCTION cmms.record_work_orders_created()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    actor pg_catalog.uuid := cmms.current_user_id();
    note pg_catalog.text := nullif(pg_catalog.current_setting('cmms.transition_note', TRUE), '');
BEGIN
    INSERT INTO cmms.maintenance_logs (
        organization_id, work_order_id, entry_type, from_status, to_status, message, logged_by_user_id
    )
    SELECT n.organization_id, n.id, 'status_change', NULL, n.status, note, u.id
    FROM new_rows AS n
    LEFT JOIN cmms.users AS u ON u.organization_id = n.organization_id AND u.id = actor;
    INSERT INTO cmms.notifications (
        organization_id, user_id, notification_type, title, body, entity_type, entity_id
    )
    SELECT
        n.organization_id, n.assignee_user_id, 'work_order_assigned',
        pg_catalog.format('%s was assigned to you', n.reference), n.title, 'work_order', n.id
    FROM new_rows AS n
    WHERE n.assignee_user_id IS NOT NULL AND n.assignee_user_id IS DISTINCT FROM actor;
    RETURN NULL;
END;
$$;
