-- The rule events of core 0151-0153 on Citus. Their trigger functions join the transition
-- tables with rules_engine (and meters) in one query, and notify_rule_recipients joins the
-- firings with rules, users and teams of every tenant at once: on a shard, Citus refuses
-- both ("complex table expressions"; no distributed plan over a transition table). Here,
-- each trigger first reads its transition tables into one jsonb array per tenant (plain
-- PostgreSQL, no distributed table), then queries that tenant's rules with an equality on
-- organization_id: a router query to the co-located shard on the same worker. The
-- notifications go in one INSERT ... VALUES per recipient, each a router insert. Same
-- events, same rules, same notifications, set-based per tenant instead of per statement.
-- The single-server functions are kept under the suffix _on_one_server, and the rollback
-- puts them back.
-- requires-extension: citus

RESET ROLE;

-- Function DDL after the triggers' in one transaction: one connection per worker; and the
-- triggers allowed in this session too (0009's database setting holds for new sessions).
SELECT set_config('citus.multi_shard_modify_mode', 'sequential', TRUE);
SELECT set_config('citus.enable_unsafe_triggers', 'on', TRUE);

-- cmmsdb: allow renaming-object because the name is taken over at once by the Citus form, which
-- triggers and callers reach by name; the rollback renames it back
ALTER FUNCTION cmms.notify_rule_recipients(text, jsonb) RENAME TO notify_rule_recipients_on_one_server;

-- cmmsdb: allow renaming-object because the name is taken over at once by the Citus form, which
-- triggers and callers reach by name; the rollback renames it back
ALTER FUNCTION cmms.fire_part_rules() RENAME TO fire_part_rules_on_one_server;

-- cmmsdb: allow renaming-object because the name is taken over at once by the Citus form, which
-- triggers and callers reach by name; the rollback renames it back
ALTER FUNCTION cmms.fire_meter_reading_rules() RENAME TO fire_meter_reading_rules_on_one_server;

-- Created by the superuser, then given to cmms_owner: under SET ROLE, Citus would propagate
-- the functions over connections of another role, which wait on this transaction's locks.

CREATE FUNCTION cmms.notify_rule_recipients(kind text, firings jsonb)
RETURNS integer
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org uuid;
    sent integer := 0;
    note record;
BEGIN
    FOR org IN
        SELECT DISTINCT (x ->> 'organization_id')::uuid
        FROM pg_catalog.jsonb_array_elements(coalesce(firings, '[]'::jsonb)) AS x
    LOOP
        FOR note IN
            WITH fired AS (
                SELECT x.entity_type, x.entity_id, x.label, x.body, r.name, r.action_type, r.action_params
                FROM pg_catalog.jsonb_to_recordset(firings) AS x (
                    organization_id uuid, rule_id uuid, entity_type text, entity_id uuid, label text, body text
                )
                JOIN cmms.rules_engine AS r ON r.organization_id = org AND r.id = x.rule_id
                WHERE x.organization_id = org AND r.action_type IN ('notify_user', 'notify_team')
            )

            SELECT DISTINCT f.*, u.id AS user_id
            FROM fired AS f
            LEFT JOIN cmms.team_members AS m
                ON
                    f.action_type = 'notify_team' AND m.organization_id = org
                    AND m.team_id = (f.action_params ->> 'team_id')::uuid AND m.deleted_at IS NULL
            JOIN cmms.users AS u
                ON
                    u.organization_id = org AND u.deleted_at IS NULL
                    AND u.id = CASE
                        WHEN f.action_type = 'notify_user' THEN (f.action_params ->> 'user_id')::uuid
                        ELSE m.user_id
                    END
        LOOP
            INSERT INTO cmms.notifications (
                organization_id, user_id, notification_type, title, body, entity_type, entity_id
            ) VALUES (
                org, note.user_id, kind,
                pg_catalog.left(coalesce(note.action_params ->> 'title', note.label || ': ' || note.name), 200),
                note.body, note.entity_type, note.entity_id
            );
            sent := sent + 1;
        END LOOP;
    END LOOP;
    RETURN sent;
END;
$$;

COMMENT ON FUNCTION cmms.notify_rule_recipients(text, jsonb) IS
'On Citus (module citus/0012): runs the notify actions of fired rules tenant by tenant, each query routed to '
'the tenant''s shards: firings is a JSON array of {organization_id, rule_id, entity_type, entity_id, label, '
'body}; each notify_user rule notifies its user, each notify_team rule every member of its team (live users '
'only), with notification_type kind. Returns the number of notifications written.';

REVOKE ALL ON FUNCTION cmms.notify_rule_recipients(text, jsonb) FROM PUBLIC, cmms_readonly;

GRANT EXECUTE ON FUNCTION cmms.notify_rule_recipients(text, jsonb) TO cmms_app;

CREATE FUNCTION cmms.fire_part_rules()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org uuid;
    parts jsonb;
BEGIN
    FOR org, parts IN
        SELECT n.organization_id, pg_catalog.jsonb_agg(pg_catalog.to_jsonb(n))
        FROM new_rows AS n
        JOIN old_rows AS o ON o.organization_id = n.organization_id AND o.id = n.id
        WHERE o.quantity_on_hand > o.reorder_point AND n.quantity_on_hand <= n.reorder_point
            AND n.deleted_at IS NULL
        GROUP BY n.organization_id
    LOOP
        PERFORM cmms.notify_rule_recipients(
            'part_below_reorder_point',
            (
                SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                    'organization_id', org, 'rule_id', r.id, 'entity_type', 'part',
                    'entity_id', n.value ->> 'id', 'label', 'Reorder ' || (n.value ->> 'part_number'),
                    'body', pg_catalog.format(
                        '%s (%s) is at %s %s, at or below its reorder point of %s.',
                        n.value ->> 'name', n.value ->> 'part_number',
                        pg_catalog.trim_scale((n.value ->> 'quantity_on_hand')::numeric), n.value ->> 'unit',
                        pg_catalog.trim_scale((n.value ->> 'reorder_point')::numeric)
                    )
                ))
                FROM pg_catalog.jsonb_array_elements(parts) AS n
                JOIN cmms.rules_engine AS r ON r.organization_id = org AND r.event = 'part.below_reorder_point'
                WHERE r.enabled AND r.deleted_at IS NULL AND cmms.rule_condition_matches(r.condition, n.value)
            )
        );
    END LOOP;
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION cmms.fire_part_rules() IS
'On Citus (module citus/0012): AFTER UPDATE ... FOR EACH STATEMENT trigger of parts_inventory that fires '
'part.below_reorder_point for every live part whose stock went from above its reorder point to at or below '
'it, tenant by tenant (cmms.notify_rule_recipients; notification_type part_below_reorder_point).';

REVOKE ALL ON FUNCTION cmms.fire_part_rules() FROM PUBLIC, cmms_app, cmms_readonly;

CREATE FUNCTION cmms.fire_meter_reading_rules()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org uuid;
    readings jsonb;
BEGIN
    FOR org, readings IN
        SELECT n.organization_id, pg_catalog.jsonb_agg(pg_catalog.to_jsonb(n))
        FROM new_rows AS n
        WHERE n.deleted_at IS NULL
        GROUP BY n.organization_id
    LOOP
        PERFORM cmms.notify_rule_recipients(
            'system',
            (
                SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                    'organization_id', org, 'rule_id', r.id, 'entity_type', 'meter',
                    'entity_id', m.id,
                    'label', pg_catalog.format(
                        '%s %s %s', m.name, pg_catalog.trim_scale((n.value ->> 'value')::numeric), m.unit
                    ),
                    'body', pg_catalog.format(
                        '%s read %s %s at %s (%s).', m.name, pg_catalog.trim_scale((n.value ->> 'value')::numeric),
                        m.unit, (n.value ->> 'read_at')::timestamptz, n.value ->> 'source'
                    )
                ))
                FROM pg_catalog.jsonb_array_elements(readings) AS n
                JOIN cmms.meters AS m ON m.organization_id = org AND m.id = (n.value ->> 'meter_id')::uuid
                JOIN cmms.rules_engine AS r ON r.organization_id = org AND r.event = 'meter.reading_recorded'
                WHERE r.enabled AND r.deleted_at IS NULL
                    AND cmms.rule_condition_matches(
                        r.condition,
                        n.value || pg_catalog.jsonb_build_object(
                            'asset_id', m.asset_id, 'unit', m.unit, 'meter_type', m.meter_type, 'meter_name', m.name
                        )
                    )
            )
        );
    END LOOP;
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION cmms.fire_meter_reading_rules() IS
'On Citus (module citus/0012): AFTER INSERT ... FOR EACH STATEMENT trigger of meter_readings that fires '
'meter.reading_recorded for every new reading, tenant by tenant (cmms.notify_rule_recipients; '
'notification_type system, about the meter).';

REVOKE ALL ON FUNCTION cmms.fire_meter_reading_rules() FROM PUBLIC, cmms_app, cmms_readonly;

-- The triggers call the new functions (a trigger names its function by oid).
-- In a DO block: a trigger's DDL on a distributed table, sent by the migrator as a
-- prepared statement, is one Citus cannot propagate.
DO $$
BEGIN
    CREATE OR REPLACE TRIGGER parts_inventory_fire_rules
    AFTER UPDATE ON cmms.parts_inventory
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cmms.fire_part_rules();
    CREATE OR REPLACE TRIGGER meter_readings_fire_rules
    AFTER INSERT ON cmms.meter_readings
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cmms.fire_meter_reading_rules();
END;
$$;

-- As 0003 and 0009 did for the others: on every node, owned by cmms_owner, and allowed to
-- query co-located shards from a shard.
DO $$
DECLARE
    f pg_catalog.regprocedure;
BEGIN
    FOREACH f IN ARRAY ARRAY[
        'cmms.notify_rule_recipients(pg_catalog.text, pg_catalog.jsonb)',
        'cmms.fire_part_rules()',
        'cmms.fire_meter_reading_rules()'
    ]::pg_catalog.regprocedure[] LOOP
        IF NOT EXISTS (
            SELECT FROM pg_dist_object AS o
            WHERE o.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND o.objid = f
        ) THEN
            PERFORM create_distributed_function(f);
        END IF;
        EXECUTE pg_catalog.format('ALTER FUNCTION %s OWNER TO cmms_owner', f);
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET citus.allow_nested_distributed_execution = on', f);
    END LOOP;
END;
$$;
