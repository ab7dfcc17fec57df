-- cmms.record_work_orders_created() on Citus: core migration 0141's statement trigger
-- inserts into maintenance_logs and notifications with INSERT ... SELECT over its transition
-- table, which Citus cannot plan inside a shard. This version reads the new work orders
-- from the transition table (plain PostgreSQL) and writes each one's entries with router
-- queries to the co-located shards on the same worker (local execution, same transaction).
-- Same rows as 0141. The rollback restores 0141's function.
-- requires-extension: citus

RESET ROLE;

CREATE OR REPLACE FUNCTION cmms.record_work_orders_created()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    actor pg_catalog.uuid := cmms.current_user_id();
    note pg_catalog.text := nullif(pg_catalog.current_setting('cmms.transition_note', TRUE), '');
    created record;
    logged_by pg_catalog.uuid;
BEGIN
    FOR created IN
        SELECT n.organization_id, n.id, n.status, n.reference, n.title, n.assignee_user_id
        FROM new_rows AS n
    LOOP
        logged_by := (
            SELECT u.id FROM cmms.users AS u
            WHERE u.organization_id = created.organization_id AND u.id = actor
        );
        INSERT INTO cmms.maintenance_logs (
            organization_id, work_order_id, entry_type, from_status, to_status, message, logged_by_user_id
        ) VALUES (
            created.organization_id, created.id, 'status_change', NULL, created.status, note, logged_by
        );
        IF created.assignee_user_id IS NOT NULL AND created.assignee_user_id IS DISTINCT FROM actor THEN
            INSERT INTO cmms.notifications (
                organization_id, user_id, notification_type, title, body, entity_type, entity_id
            ) VALUES (
                created.organization_id, created.assignee_user_id, 'work_order_assigned',
                pg_catalog.format('%s was assigned to you', created.reference), created.title,
                'work_order', created.id
            );
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;

-- Its queries run from a shard, on co-located shards (as 0004 allows the other trigger
-- functions; CREATE OR REPLACE dropped the setting).
DO $$
BEGIN
    EXECUTE 'ALTER FUNCTION cmms.record_work_orders_created()'
        ' SET citus.allow_nested_distributed_execution = on';
END;
$$;
