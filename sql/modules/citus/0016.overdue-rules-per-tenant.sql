-- cmms.fire_due_rules (core 0152) on Citus. It fires every tenant's overdue rules in a few
-- set-based statements over all tenants at once: an INSERT ... SELECT joining work_orders
-- and rules_engine of every shard, and one UPDATE of every tenant's work orders from a
-- subquery calling custom_field_entity_is_live on its rows, which Citus refuses ("STABLE
-- functions used in UPDATE queries cannot be called with column references"). Here it goes
-- tenant by tenant, organizations in id order: each statement filters on the tenant, a router
-- query to its worker; the liveness of an assigned user or team is an EXISTS on the tenant's
-- users or teams in the same router query; each work order's changes are computed first and
-- written by an UPDATE of that one row. Same firings, same notifications and changes, the
-- same lock order within a tenant; a run commits all tenants or none, as before. The
-- single-server function stays as fire_due_rules_on_one_server for the rollback.
-- requires-extension: citus

RESET ROLE;

SELECT set_config('citus.multi_shard_modify_mode', 'sequential', TRUE);

-- cmmsdb: allow renaming-object because the name is taken over at once by the Citus form, which
-- schedules (cron, pg_cron) call by name; the rollback renames it back
ALTER FUNCTION cmms.fire_due_rules() RENAME TO fire_due_rules_on_one_server;

-- Created by the superuser, then given to cmms_owner (as citus/0012 does).
CREATE FUNCTION cmms.fire_due_rules()
RETURNS integer
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org uuid;
    fired jsonb;
    total integer := 0;
    overdue record;
BEGIN
    IF NOT (SELECT r.rolsuper OR r.rolbypassrls FROM pg_catalog.pg_roles AS r
            WHERE r.rolname = pg_catalog.current_user()) THEN
        RAISE EXCEPTION 'cmms.fire_due_rules must run as a role that bypasses row-level security'
            USING ERRCODE = 'insufficient_privilege',
                HINT = 'run it from cron or pg_cron as a superuser or a BYPASSRLS maintenance role';
    END IF;

    FOR org IN SELECT o.id FROM cmms.organizations AS o ORDER BY o.id LOOP
        WITH due AS (
            SELECT w.*
            FROM cmms.work_orders AS w
            WHERE w.organization_id = org AND w.status IN ('open', 'in_progress', 'on_hold')
                AND w.deleted_at IS NULL AND w.due_at < pg_catalog.now()
        ),

        inserted AS (
            INSERT INTO cmms.rule_firings AS f (organization_id, rule_id, work_order_id, due_at)
            SELECT d.organization_id, r.id, d.id, d.due_at
            FROM due AS d
            JOIN cmms.rules_engine AS r
                ON r.organization_id = d.organization_id AND r.event = 'work_order.overdue'
            WHERE r.organization_id = org AND r.enabled AND r.deleted_at IS NULL
                AND cmms.rule_condition_matches(r.condition, pg_catalog.to_jsonb(d))
            ORDER BY d.id, r.id  -- one lock order for concurrent runs
            ON CONFLICT ON CONSTRAINT rule_firings_organization_id_rule_id_work_order_id_due_at_key DO NOTHING
            RETURNING f.organization_id, f.rule_id, f.work_order_id
        )

        SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
            'organization_id', i.organization_id, 'rule_id', i.rule_id, 'entity_type', 'work_order',
            'entity_id', i.work_order_id, 'label', d.reference, 'body', d.title
        ))
        INTO fired
        FROM inserted AS i
        JOIN due AS d ON d.organization_id = i.organization_id AND d.id = i.work_order_id;

        CONTINUE WHEN fired IS NULL;
        total := total + pg_catalog.jsonb_array_length(fired);
        PERFORM cmms.notify_rule_recipients('work_order_overdue', fired);

        FOR overdue IN
            SELECT
                x.entity_id,
                pg_catalog.jsonb_object_agg(a.field, a.value ORDER BY r.position, r.created_at, r.id) AS changes
            FROM pg_catalog.jsonb_to_recordset(fired) AS x (rule_id uuid, entity_id uuid)
            JOIN cmms.rules_engine AS r ON r.organization_id = org AND r.id = x.rule_id
            CROSS JOIN LATERAL (
                SELECT
                    CASE r.action_type
                        WHEN 'set_priority' THEN 'priority'
                        WHEN 'assign_user' THEN 'assignee_user_id'
                        ELSE 'team_id'
                    END AS field,
                    r.action_params -> CASE r.action_type
                        WHEN 'set_priority' THEN 'priority'
                        WHEN 'assign_user' THEN 'user_id'
                        ELSE 'team_id'
                    END AS value
            ) AS a
            WHERE r.action_type = 'set_priority'
                OR (r.action_type = 'assign_user' AND EXISTS (
                    SELECT FROM cmms.users AS u
                    WHERE u.organization_id = org AND u.id = (r.action_params ->> 'user_id')::uuid
                        AND u.deleted_at IS NULL
                ))
                OR (r.action_type = 'assign_team' AND EXISTS (
                    SELECT FROM cmms.teams AS t
                    WHERE t.organization_id = org AND t.id = (r.action_params ->> 'team_id')::uuid
                        AND t.deleted_at IS NULL
                ))
            GROUP BY x.entity_id
            ORDER BY x.entity_id
        LOOP
            UPDATE cmms.work_orders AS w
            SET
                priority = coalesce(overdue.changes ->> 'priority', w.priority),
                assignee_user_id = coalesce((overdue.changes ->> 'assignee_user_id')::uuid, w.assignee_user_id),
                team_id = coalesce((overdue.changes ->> 'team_id')::uuid, w.team_id)
            WHERE w.organization_id = org AND w.id = overdue.entity_id;
        END LOOP;
    END LOOP;
    RETURN total;
END;
$$;

COMMENT ON FUNCTION cmms.fire_due_rules() IS
'On Citus (module citus/0016): fires the work_order.overdue rules tenant by tenant, each query routed to the '
'tenant''s worker; the same firings, notifications and changes as the single-server function (core 0152): '
'every open, in_progress or on_hold work order past its due_at fires each matching enabled rule once per due '
'date. Returns the number of firings. Run on a schedule by a superuser or BYPASSRLS login; anyone else gets '
'SQLSTATE 42501.';

REVOKE ALL ON FUNCTION cmms.fire_due_rules() FROM PUBLIC, cmms_app, cmms_readonly;

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT FROM pg_dist_object AS o
        WHERE o.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
            AND o.objid = 'cmms.fire_due_rules()'::pg_catalog.regprocedure
    ) THEN
        PERFORM create_distributed_function('cmms.fire_due_rules()');
    END IF;
    ALTER FUNCTION cmms.fire_due_rules() OWNER TO cmms_owner;
END;
$$;
