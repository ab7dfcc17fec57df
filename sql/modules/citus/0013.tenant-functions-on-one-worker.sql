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
-- Same results. The functions are edited in place: each edit, kept in
-- cmms_citus.function_edits (made here, with the function that makes and undoes the edits
-- of this and later citus migrations), replaces a text found exactly once in the function's
-- current definition, or the migration fails; the rollback undoes the edits.
-- requires-extension: citus

RESET ROLE;

CREATE SCHEMA cmms_citus;

COMMENT ON SCHEMA cmms_citus IS
'The citus module''s bookkeeping: the edits its migrations make to cmms''s functions, which their '
'rollbacks undo. Superuser only.';

REVOKE ALL ON SCHEMA cmms_citus FROM PUBLIC;

CREATE TABLE cmms_citus.function_edits (
    migration text NOT NULL,
    position integer NOT NULL,
    function_name text NOT NULL,
    old_text text NOT NULL,
    new_text text NOT NULL,
    PRIMARY KEY (migration, position)
);

COMMENT ON TABLE cmms_citus.function_edits IS
'One edit of a citus migration to a function of cmms: old_text (found exactly once in the function''s '
'definition) becomes new_text; the edits of a migration are made in position order, and undone in reverse.';

CREATE FUNCTION cmms_citus.edit_functions(migration text, undo boolean DEFAULT FALSE)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target record;
    definition pg_catalog.text;
    pair pg_catalog.text[];
BEGIN
    FOR target IN
        SELECT
            e.function_name,
            pg_catalog.array_agg(
                CASE WHEN undo THEN ARRAY[e.new_text, e.old_text] ELSE ARRAY[e.old_text, e.new_text] END
                ORDER BY CASE WHEN undo THEN -e.position ELSE e.position END
            ) AS pairs
        FROM cmms_citus.function_edits AS e
        WHERE e.migration = edit_functions.migration
        GROUP BY e.function_name
        ORDER BY e.function_name
    LOOP
        definition := pg_catalog.pg_get_functiondef(target.function_name::pg_catalog.regproc);
        FOREACH pair SLICE 1 IN ARRAY target.pairs LOOP
            IF pg_catalog.array_length(pg_catalog.string_to_array(definition, pair[1]), 1) <> 2 THEN
                RAISE EXCEPTION '% is not the function that % %: no single "%"', target.function_name,
                    migration, CASE WHEN undo THEN 'made' ELSE 'edits' END, pair[1];
            END IF;
            definition := pg_catalog.replace(definition, pair[1], pair[2]);
        END LOOP;
        EXECUTE definition;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION cmms_citus.edit_functions(text, boolean) IS
'Makes the edits of a citus migration (cmms_citus.function_edits) to the current definitions of cmms''s '
'functions, or with undo undoes them, last first; fails if a text to replace is not found exactly once.';

REVOKE ALL ON FUNCTION cmms_citus.edit_functions(text, boolean) FROM PUBLIC;

-- The texts are quoted as they are in the functions, indentation included.
-- noqa: disable=LT02,LT05
INSERT INTO cmms_citus.function_edits (migration, position, function_name, old_text, new_text) VALUES
    -- erase_user: the time of the erasure read with the row lock (a volatile function in
    -- an UPDATE is evaluated on the coordinator, which Citus refuses inside COALESCE).
    ('citus/0013', 1, 'cmms.erase_user', $e$    audit_records pg_catalog.int4;
$e$, $e$    audit_records pg_catalog.int4;
    erased_at pg_catalog.timestamptz;
$e$),
    ('citus/0013', 2, 'cmms.erase_user',
            $e$PERFORM FROM cmms.users AS u WHERE u.organization_id = org AND u.id = erase_user.user_id FOR UPDATE;$e$,
            $e$SELECT coalesce(u.deleted_at, pg_catalog.clock_timestamp()) INTO erased_at
    FROM cmms.users AS u WHERE u.organization_id = org AND u.id = erase_user.user_id FOR UPDATE;$e$),
    ('citus/0013', 3, 'cmms.erase_user',
            $e$deleted_at = coalesce(u.deleted_at, pg_catalog.clock_timestamp())$e$,
            $e$deleted_at = erased_at$e$),
    -- erase_user: the audit erasure pushed down to the tenant's worker, in the connection
    -- that changed the tenant's rows (Citus refuses a second role on that shard group).
    ('citus/0013', 4, 'cmms.erase_user',
            $e$audit_records := cmms.erase_audit_values($e$,
            $e$SELECT cmms.erase_audit_values($e$),
    ('citus/0013', 5, 'cmms.erase_user', $e$ARRAY['requester_name', 'requester_email']);
$e$, $e$ARRAY['requester_name', 'requester_email'])
    INTO audit_records
    FROM cmms.organizations AS o
    WHERE o.id = org;
$e$),
    -- create_work_order: one router INSERT ... VALUES per linked asset and custom field.
    ('citus/0013', 6, 'cmms.create_work_order',
            $e$    unknown text;
$e$, $e$    unknown text;
    linked uuid;
    field record;
$e$),
    ('citus/0013', 7, 'cmms.create_work_order',
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
    ('citus/0013', 8, 'cmms.create_work_order',
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
    ('citus/0013', 9, 'cmms.consume_part', $e$    notified integer;
$e$, $e$    notified integer;
    recipient uuid;
$e$),
    ('citus/0013', 10, 'cmms.consume_part', $e$        INSERT INTO cmms.notifications (
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
    ('citus/0013', 11, 'cmms.consume_part', $e$            consume_part.part_id
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
    ('citus/0013', 12, 'cmms.mark_notifications_read', $e$    shared integer;
$e$, $e$    shared integer := 0;
    marked_at timestamptz := pg_catalog.clock_timestamp();
    added integer;
    notification uuid;
$e$),
    ('citus/0013', 13, 'cmms.mark_notifications_read', $e$    SET read_at = pg_catalog.clock_timestamp()
$e$, $e$    SET read_at = marked_at
$e$),
    ('citus/0013', 14, 'cmms.mark_notifications_read',
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
$e$);
-- noqa: enable=LT02,LT05

SELECT cmms_citus.edit_functions('citus/0013');

DO $$
BEGIN
    -- (in a string: sqlfluff does not parse a dotted setting's name)
    EXECUTE 'ALTER FUNCTION cmms.erase_audit_values(text, uuid[], text[])'
        ' SET citus.allow_nested_distributed_execution = on';
END;
$$;
