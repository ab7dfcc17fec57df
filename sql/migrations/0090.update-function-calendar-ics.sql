-- cmms.calendar_ics accepts any calendar year, leap years included: the limit of a year and
-- a day is computed on the timestamps (from_ts + 1 year + 1 day), where 0084 compared
-- intervals, and interval '1 year 1 day' compares as 361 days (a year counts 360), so
-- 2026-01-01 to 2027-01-01 was refused as "longer than a year". Otherwise unchanged, with
-- every type schema-qualified under search_path = pg_catalog, pg_temp.
SET LOCAL ROLE cmms_owner;

CREATE OR REPLACE FUNCTION cmms.calendar_ics(from_ts pg_catalog.timestamptz, to_ts pg_catalog.timestamptz)
RETURNS pg_catalog.text
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    stamp_format CONSTANT pg_catalog.text := 'YYYYMMDD"T"HH24MISS"Z"';
    lines pg_catalog.text[] := ARRAY[
        'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//cmmsdb//cmmsdb calendar//EN', 'CALSCALE:GREGORIAN',
        'METHOD:PUBLISH'
    ];
    event pg_catalog.record;
BEGIN
    IF from_ts IS NULL OR to_ts IS NULL OR to_ts <= from_ts THEN
        RAISE EXCEPTION 'cmms.calendar_ics: the period must have from_ts before to_ts (got % to %)', from_ts, to_ts
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Compared as timestamps: an interval comparison counts a year as 360 days, so
    -- '1 year 1 day' refused a calendar year of 365 or 366 days.
    IF to_ts > from_ts + pg_catalog.interval '1 year' + pg_catalog.interval '1 day' THEN
        RAISE EXCEPTION 'cmms.calendar_ics: the period is longer than a year (% to %)', from_ts, to_ts
            USING ERRCODE = 'invalid_parameter_value',
            HINT = 'export a year at a time';
    END IF;
    lines := lines || ('X-WR-CALNAME:' || cmms.ics_escape(coalesce((
        SELECT o.name FROM cmms.organizations AS o WHERE o.id = cmms.current_org_id()
    ), 'cmms')));
    FOR event IN
        -- Calendar events of the period; a recurring one from its first occurrence on (the
        -- calendar application expands its RRULE).
        SELECT
            'calendar-event-' || e.id || '@cmmsdb' AS uid,
            e.updated_at AS stamp,
            e.starts_at,
            e.ends_at,
            e.all_day,
            e.time_zone,
            e.title AS summary,
            e.description,
            l.name AS location,
            pg_catalog.upper(e.event_type) AS category,
            e.recurrence_rule,
            'CONFIRMED' AS status,
            e.created_at
        FROM cmms.calendar_events AS e
        LEFT JOIN cmms.locations AS l ON e.organization_id = l.organization_id AND e.location_id = l.id
        WHERE
            e.organization_id = cmms.current_org_id()
            AND e.deleted_at IS NULL
            AND e.starts_at < to_ts
            AND (e.ends_at >= from_ts OR e.recurrence_rule IS NOT NULL)
        UNION ALL
        -- Work orders scheduled in the period.
        SELECT
            'work-order-' || w.id || '@cmmsdb',
            w.updated_at,
            w.scheduled_start_at,
            coalesce(
                w.scheduled_end_at,
                w.scheduled_start_at + pg_catalog.make_interval(mins => w.estimated_duration_minutes)
            ),
            FALSE,
            'UTC',
            w.reference || ' ' || w.title,
            w.description,
            l.name,
            'WORK-ORDER',
            NULL,
            CASE WHEN w.status = 'cancelled' THEN 'CANCELLED' ELSE 'CONFIRMED' END,
            w.created_at
        FROM cmms.work_orders AS w
        LEFT JOIN cmms.locations AS l ON w.organization_id = l.organization_id AND w.location_id = l.id
        WHERE
            w.organization_id = cmms.current_org_id()
            AND w.deleted_at IS NULL
            AND w.scheduled_start_at < to_ts
            AND coalesce(w.scheduled_end_at, w.scheduled_start_at) >= from_ts
        ORDER BY 3, 1
    LOOP
        lines := lines || ARRAY[
            'BEGIN:VEVENT',
            'UID:' || event.uid,
            'DTSTAMP:' || pg_catalog.to_char(event.stamp AT TIME ZONE 'UTC', stamp_format),
            'CREATED:' || pg_catalog.to_char(event.created_at AT TIME ZONE 'UTC', stamp_format)
        ];
        IF event.all_day THEN
            -- Whole days of the event's own time zone; DTEND is the day after the last.
            lines := lines || ARRAY[
                'DTSTART;VALUE=DATE:' || pg_catalog.to_char(event.starts_at AT TIME ZONE event.time_zone, 'YYYYMMDD'),
                'DTEND;VALUE=DATE:' || pg_catalog.to_char(
                    greatest(
                        pg_catalog.date_trunc('day', event.starts_at AT TIME ZONE event.time_zone) + pg_catalog.interval '1 day',
                        pg_catalog.date_trunc(
                            'day', (event.ends_at AT TIME ZONE event.time_zone) - pg_catalog.interval '1 microsecond'
                        ) + pg_catalog.interval '1 day'
                    ),
                    'YYYYMMDD'
                )
            ];
        ELSE
            lines := lines || ('DTSTART:' || pg_catalog.to_char(event.starts_at AT TIME ZONE 'UTC', stamp_format));
            IF event.ends_at > event.starts_at THEN
                lines := lines || ('DTEND:' || pg_catalog.to_char(event.ends_at AT TIME ZONE 'UTC', stamp_format));
            END IF;
        END IF;
        IF event.recurrence_rule IS NOT NULL THEN
            lines := lines || ('RRULE:' || event.recurrence_rule);
        END IF;
        lines := lines || ('SUMMARY:' || cmms.ics_escape(event.summary));
        IF event.description IS NOT NULL THEN
            lines := lines || ('DESCRIPTION:' || cmms.ics_escape(event.description));
        END IF;
        IF event.location IS NOT NULL THEN
            lines := lines || ('LOCATION:' || cmms.ics_escape(event.location));
        END IF;
        lines := lines || ARRAY[
            'CATEGORIES:' || cmms.ics_escape(event.category), 'STATUS:' || event.status, 'END:VEVENT'
        ];
    END LOOP;
    lines := lines || 'END:VCALENDAR'::pg_catalog.text;
    RETURN (
        SELECT pg_catalog.string_agg(cmms.ics_fold(l.line), E'\r\n' ORDER BY l.n)
        FROM pg_catalog.unnest(lines) WITH ORDINALITY AS l (line, n)
    ) || E'\r\n';
END;
$$;
