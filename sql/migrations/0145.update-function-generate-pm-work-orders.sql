-- cmms.generate_pm_work_orders instantiates the template (issue 16, item 1): each work
-- order it creates gets its template's checklists, with their items and signature
-- requirement, and its parts reserved, through cmms.apply_work_order_template (0144).
SET LOCAL ROLE cmms_owner;

CREATE OR REPLACE FUNCTION cmms.generate_pm_work_orders(as_of timestamptz DEFAULT now())
RETURNS integer
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org uuid := cmms.current_org_id();
    schedule record;
    anchor timestamptz;
    steps bigint;
    due timestamptz;
    next_due timestamptz;
    threshold numeric;
    latest numeric;
    next_threshold numeric;
    new_id uuid;
    created integer := 0;
BEGIN
    IF org IS NULL THEN
        RAISE EXCEPTION 'cmms.generate_pm_work_orders: no tenant context'
            USING ERRCODE = 'insufficient_privilege',
            HINT = 'call cmms.set_context(organization_id, user_id) first, in the same transaction';
    END IF;
    IF generate_pm_work_orders.as_of IS NULL THEN
        RAISE EXCEPTION 'cmms.generate_pm_work_orders: as_of must not be null'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- Advisory lock class 1347241806 (0x504D474E, 'PMGN') keyed by the organization: one
    -- run per organization at a time, until its transaction ends. The next run's queries
    -- start after it (READ COMMITTED), see the schedules advanced and create nothing again.
    PERFORM pg_catalog.pg_advisory_xact_lock(1347241806, pg_catalog.hashtext(org::text));

    FOR schedule IN
        SELECT
            s.id,
            s.asset_id,
            s.template_id,
            s.trigger_type,
            s.calendar_interval,
            s.meter_id,
            s.meter_interval,
            s.lead_time,
            s.starts_at,
            s.ends_at,
            s.next_due_at,
            s.next_due_meter_value,
            t.title,
            t.description,
            t.instructions,
            t.priority,
            t.work_order_type,
            t.estimated_duration_minutes,
            t.team_id,
            a.location_id
        FROM cmms.pm_schedules AS s
        INNER JOIN cmms.work_order_templates AS t
            ON t.organization_id = s.organization_id AND t.id = s.template_id AND t.deleted_at IS NULL
        INNER JOIN cmms.assets AS a
            ON a.organization_id = s.organization_id AND a.id = s.asset_id AND a.deleted_at IS NULL
        WHERE
            s.organization_id = org AND s.is_active AND s.deleted_at IS NULL
            AND (
                s.trigger_type = 'meter'
                OR coalesce(s.next_due_at, s.starts_at) - s.lead_time <= generate_pm_work_orders.as_of
            )
        ORDER BY s.id
        -- A schedule that someone is editing is left for the next run (and no deadlock with
        -- a transaction that edits a schedule and then creates a work order).
        FOR UPDATE OF s SKIP LOCKED
    LOOP
        due := NULL;
        IF schedule.trigger_type = 'calendar' THEN
            anchor := coalesce(schedule.next_due_at, schedule.starts_at);
            IF schedule.ends_at IS NOT NULL AND anchor >= schedule.ends_at THEN
                CONTINUE;  -- the schedule has ended
            END IF;
            -- The latest due date whose lead time has begun: due dates missed while no run
            -- happened get no work order of their own (one work order, not a backlog).
            -- Estimate the number of steps from the lengths, then correct (months vary).
            steps := greatest(
                0,
                pg_catalog.floor(
                    extract(EPOCH FROM generate_pm_work_orders.as_of + schedule.lead_time - anchor)
                    / extract(EPOCH FROM schedule.calendar_interval)
                )::bigint - 1
            );
            WHILE anchor + (steps + 1) * schedule.calendar_interval - schedule.lead_time
                <= generate_pm_work_orders.as_of LOOP
                steps := steps + 1;
            END LOOP;
            WHILE steps > 0 AND (
                anchor + steps * schedule.calendar_interval - schedule.lead_time > generate_pm_work_orders.as_of
                OR anchor + steps * schedule.calendar_interval >= schedule.ends_at
            ) LOOP
                steps := steps - 1;
            END LOOP;
            due := anchor + steps * schedule.calendar_interval;
            next_due := anchor + (steps + 1) * schedule.calendar_interval;
        ELSE
            threshold := coalesce(schedule.next_due_meter_value, schedule.meter_interval);
            SELECT r.value INTO latest
            FROM cmms.meter_readings AS r
            INNER JOIN cmms.meters AS m
                ON m.organization_id = r.organization_id AND m.id = r.meter_id AND m.deleted_at IS NULL
            WHERE
                r.organization_id = org AND r.meter_id = schedule.meter_id AND r.deleted_at IS NULL
                AND r.read_at <= generate_pm_work_orders.as_of
            ORDER BY r.read_at DESC, r.created_at DESC
            LIMIT 1;
            IF latest IS NULL OR latest < threshold THEN
                CONTINUE;
            END IF;
            -- Due since the first reading that reached the threshold.
            SELECT min(r.read_at) INTO due
            FROM cmms.meter_readings AS r
            WHERE
                r.organization_id = org AND r.meter_id = schedule.meter_id AND r.deleted_at IS NULL
                AND r.read_at <= generate_pm_work_orders.as_of AND r.value >= threshold;
            -- The next multiple of the interval above the latest reading (services missed
            -- between readings get no work order of their own).
            next_threshold := threshold
                + schedule.meter_interval * (pg_catalog.floor((latest - threshold) / schedule.meter_interval) + 1);
        END IF;

        new_id := NULL;
        INSERT INTO cmms.work_orders AS w (
            organization_id, title, description, priority, work_order_type, due_at,
            estimated_duration_minutes, team_id, location_id, template_id, pm_schedule_id, pm_due_at
        )
        VALUES (
            org, schedule.title,
            nullif(concat_ws(E'\n\n', schedule.description, schedule.instructions), ''),
            schedule.priority, schedule.work_order_type, due, schedule.estimated_duration_minutes,
            schedule.team_id, schedule.location_id, schedule.template_id, schedule.id, due
        )
        -- Backstop: one work order per schedule and due date, whoever inserted it.
        ON CONFLICT (organization_id, pm_schedule_id, pm_due_at) WHERE pm_schedule_id IS NOT NULL DO NOTHING
        RETURNING w.id INTO new_id;

        IF new_id IS NOT NULL THEN
            INSERT INTO cmms.work_order_assets (organization_id, work_order_id, asset_id)
            VALUES (org, new_id, schedule.asset_id);
            -- The template's checklists (with items and signature requirement) and parts.
            PERFORM cmms.apply_work_order_template(new_id, schedule.template_id);
            created := created + 1;
        END IF;

        UPDATE cmms.pm_schedules AS s
        SET
            next_due_at = CASE WHEN schedule.trigger_type = 'calendar' THEN next_due ELSE s.next_due_at END,
            next_due_meter_value = CASE
                WHEN schedule.trigger_type = 'meter' THEN next_threshold ELSE s.next_due_meter_value
            END,
            last_generated_at = CASE WHEN new_id IS NOT NULL THEN now() ELSE s.last_generated_at END
        WHERE s.organization_id = org AND s.id = schedule.id;
    END LOOP;

    RETURN created;
END;
$$;

COMMENT ON FUNCTION cmms.generate_pm_work_orders(timestamptz) IS
'Creates, in the tenant context, the work orders of the preventive maintenance schedules due at as_of, and '
'returns how many it created. A live, active schedule (with a live template and asset) is due when: calendar, '
'its due date (next_due_at, else starts_at) minus lead_time is at or before as_of, and before ends_at; meter, '
'the latest reading of its meter at or before as_of reaches next_due_meter_value (NULL: meter_interval). It gets '
'one work order from its template (title; description then instructions; priority, type, duration, team), at '
'the asset''s location, linked to the asset, with the template''s checklists copied and its parts reserved '
'(cmms.apply_work_order_template), with due_at = pm_due_at = the due date (meter: the read_at of the '
'first reading that reached it); the schedule advances past as_of (next_due_at by calendar_interval steps, '
'next_due_meter_value by meter_interval steps above the latest reading), so occurrences missed between runs '
'get no work order of their own. Idempotent: a second run creates nothing; runs of one organization queue on an '
'advisory lock (class 1347241806, ''PMGN''), schedules locked by another transaction are left for the next run, '
'and the unique index on (organization_id, pm_schedule_id, pm_due_at) is the backstop. Under REPEATABLE READ a '
'run that waited fails with 40001: retry. Errors: 42501 no tenant context; 22023 as_of NULL.';
