-- The tenant API's functions on Citus, where three things they do are refused:
-- - an INSERT ... SELECT whose organization_id is a variable, or whose rows come from an
--   array or a JSON object rather than a co-located table, runs through the coordinator,
--   which sends the rows with COPY, and row-level security refuses COPY: create_work_order's
--   linked assets and custom field values, consume_part's reorder notice,
--   mark_notifications_read's marks. Each row is its own INSERT ... VALUES here, a router
--   insert into the tenant's shard.
-- - a volatile function in an UPDATE (erase_user's deleted_at, mark_notifications_read's
--   read_at): Citus evaluates it on the coordinator, which it cannot do inside COALESCE, and
--   refuses it outright in the SET list. The time is read into a variable first.
-- - erase_user writes the tenant's rows as cmms_owner, then erases the audit trail's copies
--   through cmms.erase_audit_values, which runs as cmms_audit: Citus connects to a worker
--   as the current role, and refuses a second role on a shard group that the first one's
--   connection changed in the transaction. erase_user calls it inside a router query on the
--   tenant's organizations row instead: the call is pushed down through the connection that
--   made the changes and runs on the tenant's worker, where its UPDATE reaches the
--   co-located activity_logs shard by local execution (citus.allow_nested_distributed_execution
--   for that one function: it filters on the tenant, whose shards are all on that worker).
-- Same results; the functions are edited in place (each edit must match exactly once in
-- the current definition, or the migration fails) and the rollback undoes the edits.
-- requires-extension: citus

RESET ROLE;

DO $do$
DECLARE
    target record;
    definition pg_catalog.text;
    i pg_catalog.int4;
BEGIN
    FOR target IN
        SELECT e.fn, pg_catalog.array_agg(ARRAY[e.old, e.new] ORDER BY e.n) AS pairs
        FROM (VALUES
        -- erase_user: the time of the erasure read with the row lock (a volatile function in
        -- an UPDATE is evaluated on the coordinator, which Citus refuses inside COALESCE).
        (1, 'cmms.erase_user', $e$    audit_records pg_catalog.int4;
$e$, $e$    audit_records pg_catalog.int4;
    erased_at pg_catalog.timestamptz;
$e$),
        (2, 'cmms.erase_user',
            $e$PERFORM FROM cmms.users AS u WHERE u.organization_id = org AND u.id = erase_user.user_id FOR UPDATE;$e$,
            $e$SELECT coalesce(u.deleted_at, pg_catalog.clock_timestamp()) INTO erased_at
    FROM cmms.users AS u WHERE u.organization_id = org AND u.id = erase_user.user_id FOR UPDATE;$e$),
        (3, 'cmms.erase_user',
            $e$deleted_at = coalesce(u.deleted_at, pg_catalog.clock_timestamp())$e$,
            $e$deleted_at = erased_at$e$),
        -- erase_user: the audit erasure pushed down to the tenant's worker, in the connection
        -- that changed the tenant's rows (Citus refuses a second role on that shard group).
        (4, 'cmms.erase_user',
            $e$audit_records := cmms.erase_audit_values($e$,
            $e$SELECT cmms.erase_audit_values($e$),
        (5, 'cmms.erase_user', $e$ARRAY['requester_name', 'requester_email']);
$e$, $e$ARRAY['requester_name', 'requester_email'])
    INTO audit_records
    FROM cmms.organizations AS o
    WHERE o.id = org;
$e$),
        -- create_work_order: one router INSERT ... VALUES per linked asset and custom field.
        (6, 'cmms.create_work_order',
            $e$    unknown text;
$e$, $e$    unknown text;
    linked uuid;
    field record;
$e$),
        (7, 'cmms.create_work_order',
            $e$    INSERT INTO cmms.work_order_assets (organization_id, work_order_id, asset_id)
    SELECT DISTINCT org, created.id, a.asset_id
    FROM pg_catalog.unnest(create_work_order.asset_ids) AS a (asset_id)
    WHERE a.asset_id IS NOT NULL;
$e$, $e$    FOR linked IN
        SELECT DISTINCT a.asset_id
        FROM pg_catalog.unnest(create_work_order.asset_ids) AS a (asset_id)
        WHERE a.asset_id IS NOT NULL
    LOOP
        INSERT INTO cmms.work_order_assets (organization_id, work_order_id, asset_id)
        VALUES (org, created.id, linked);
    END LOOP;
$e$),
        (8, 'cmms.create_work_order',
            $e$    INSERT INTO cmms.custom_field_values (organization_id, custom_field_id, entity_id, value)
    SELECT org, f.id, created.id, v.value
    FROM pg_catalog.jsonb_each(create_work_order.custom_fields) AS v (key, value)
    INNER JOIN cmms.custom_fields AS f
        ON f.organization_id = org AND f.entity_type = 'work_order' AND f.key = v.key AND f.deleted_at IS NULL;
$e$, $e$    FOR field IN
        SELECT f.id, v.value
        FROM pg_catalog.jsonb_each(create_work_order.custom_fields) AS v (key, value)
        INNER JOIN cmms.custom_fields AS f
            ON f.organization_id = org AND f.entity_type = 'work_order' AND f.key = v.key AND f.deleted_at IS NULL
    LOOP
        INSERT INTO cmms.custom_field_values (organization_id, custom_field_id, entity_id, value)
        VALUES (org, field.id, created.id, field.value);
    END LOOP;
$e$),
        -- consume_part: the reorder notice, one router INSERT ... VALUES per recipient.
        (9, 'cmms.consume_part', $e$    notified integer;
$e$, $e$    notified integer;
    recipient uuid;
$e$),
        (10, 'cmms.consume_part', $e$        INSERT INTO cmms.notifications (
            organization_id, user_id, notification_type, title, body, entity_type, entity_id
        )
        SELECT
            org,
            u.id,
$e$, $e$        notified := 0;
        FOR recipient IN
            SELECT u.id
            FROM cmms.users AS u
            WHERE
                u.organization_id = org AND u.deleted_at IS NULL AND u.status = 'active'
                AND u.role IN ('admin', 'manager')
            ORDER BY u.id
        LOOP
        INSERT INTO cmms.notifications (
            organization_id, user_id, notification_type, title, body, entity_type, entity_id
        )
        VALUES (
            org,
            recipient,
$e$),
        (11, 'cmms.consume_part', $e$            consume_part.part_id
        FROM cmms.users AS u
        WHERE
            u.organization_id = org AND u.deleted_at IS NULL AND u.status = 'active'
            AND u.role IN ('admin', 'manager');
        GET DIAGNOSTICS notified = ROW_COUNT;
$e$, $e$            consume_part.part_id
        );
            notified := notified + 1;
        END LOOP;
$e$),
        -- mark_notifications_read: the time read into a variable; a router INSERT per shared notification.
        (12, 'cmms.mark_notifications_read', $e$    shared integer;
$e$, $e$    shared integer := 0;
    marked_at timestamptz := pg_catalog.clock_timestamp();
    added integer;
    notification uuid;
$e$),
        (13, 'cmms.mark_notifications_read', $e$    SET read_at = pg_catalog.clock_timestamp()
$e$, $e$    SET read_at = marked_at
$e$),
        (14, 'cmms.mark_notifications_read',
            $e$    INSERT INTO cmms.notification_reads AS r (organization_id, notification_id, user_id)
    SELECT org, n.id, reader
    FROM cmms.notifications AS n
    WHERE n.organization_id = org AND n.id = ANY (notification_ids) AND n.user_id IS NULL
    ON CONFLICT ON CONSTRAINT notification_reads_organization_id_notification_id_user_id_key DO NOTHING;
    GET DIAGNOSTICS shared = ROW_COUNT;
$e$, $e$    FOR notification IN
        SELECT n.id
        FROM cmms.notifications AS n
        WHERE n.organization_id = org AND n.id = ANY (notification_ids) AND n.user_id IS NULL
        ORDER BY n.id
    LOOP
        INSERT INTO cmms.notification_reads AS r (organization_id, notification_id, user_id)
        VALUES (org, notification, reader)
        ON CONFLICT ON CONSTRAINT notification_reads_organization_id_notification_id_user_id_key DO NOTHING;
        GET DIAGNOSTICS added = ROW_COUNT;
        shared := shared + added;
    END LOOP;
$e$)
        ) AS e (n, fn, old, new)
        GROUP BY e.fn
    LOOP
        definition := pg_catalog.pg_get_functiondef(target.fn::pg_catalog.regproc);
        FOR i IN 1 .. pg_catalog.array_length(target.pairs, 1) LOOP
            IF pg_catalog.array_length(pg_catalog.string_to_array(definition, target.pairs[i][1]), 1) <> 2 THEN
                RAISE EXCEPTION '% is not the function this migration edits: no single "%"',
                    target.fn, target.pairs[i][1];
            END IF;
            definition := pg_catalog.replace(definition, target.pairs[i][1], target.pairs[i][2]);
        END LOOP;
        EXECUTE definition;
    END LOOP;
    EXECUTE 'ALTER FUNCTION cmms.erase_audit_values(text, uuid[], text[])'
        ' SET citus.allow_nested_distributed_execution = on';
END;
$do$;
