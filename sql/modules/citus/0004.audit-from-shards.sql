-- The audit trail on Citus. cmms.audit_row_change() runs on a worker, in the shard the
-- statement changed (assets_102038), and appends to activity_logs, a distributed table:
-- a query on a distributed table from inside a shard is "nested distributed execution",
-- which Citus refuses unless citus.allow_nested_distributed_execution is on for the
-- function, and Citus cannot plan INSERT ... SELECT over a trigger's transition tables.
-- This version (1) reads the transition tables into one jsonb array first (plain
-- PostgreSQL, no distributed table involved), then inserts from that array: every row is
-- the tenant's of the changed shard, so the activity_logs shard it goes to is the
-- co-located one on the same worker, written by local execution, in the same transaction;
-- (2) records the table's name, not the shard's (assets, not assets_102038). Otherwise the
-- same records as core migration 0140: generated columns left out, secrets redacted, run as
-- cmms_audit. The rollback restores 0140's function.
-- requires-extension: citus

RESET ROLE;

-- cmmsdb: allow definer-unqualified because new_rows and old_rows are the triggers' transition
-- tables, which PostgreSQL resolves before any schema: a temporary table cannot shadow them
CREATE OR REPLACE FUNCTION cmms.audit_row_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    secret_columns CONSTANT pg_catalog.text[] := ARRAY['password_hash', 'refresh_token_hash'];
    derived_columns CONSTANT pg_catalog.text[] := coalesce((
        SELECT pg_catalog.array_agg(a.attname::pg_catalog.text)
        FROM pg_catalog.pg_attribute AS a
        WHERE a.attrelid = TG_RELID AND a.attgenerated <> '' AND NOT a.attisdropped
    ), '{}');
    -- The root of a partitioned table; on a worker, a shard's name less its shard id.
    relation_name CONSTANT pg_catalog.text := (
        SELECT c.relname FROM pg_catalog.pg_class AS c
        WHERE c.oid = coalesce(pg_catalog.pg_partition_root(TG_RELID), TG_RELID)
    );
    table_name CONSTANT pg_catalog.text := CASE
        WHEN relation_name ~ '_[0-9]+$'
            AND pg_catalog.to_regclass(pg_catalog.format(
                'cmms.%I', pg_catalog.regexp_replace(relation_name, '_[0-9]+$', '')
            )) IS NOT NULL
            THEN pg_catalog.regexp_replace(relation_name, '_[0-9]+$', '')
        ELSE relation_name
    END;
    bookkeeping_columns CONSTANT pg_catalog.text[] := ARRAY['updated_at', 'updated_by'];
    old_row pg_catalog.jsonb := CASE WHEN TG_OP <> 'INSERT' THEN pg_catalog.to_jsonb(OLD) END;
    new_row pg_catalog.jsonb := CASE WHEN TG_OP <> 'DELETE' THEN pg_catalog.to_jsonb(NEW) END;
    whole_row pg_catalog.jsonb := coalesce(new_row, old_row);
    changed pg_catalog.text[];
    secret pg_catalog.text;
    records pg_catalog.jsonb;
    rec record;
    masks CONSTANT pg_catalog.jsonb := coalesce((
        SELECT pg_catalog.jsonb_object_agg(a.attname, '"[redacted]"'::pg_catalog.jsonb)
        FROM pg_catalog.pg_attribute AS a
        WHERE a.attrelid = TG_RELID AND a.attname = ANY (secret_columns) AND NOT a.attisdropped
    ), '{}');
BEGIN
    IF TG_LEVEL = 'STATEMENT' AND TG_OP = 'INSERT' THEN
        SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
            'organization_id', coalesce(r ->> 'organization_id', r ->> 'id'),
            'row_id', r ->> 'id',
            'action', 'insert',
            'new_values', (r - derived_columns) || masks
        ))
        INTO records
        FROM new_rows AS n
        CROSS JOIN LATERAL pg_catalog.to_jsonb(n) AS r;
    ELSIF TG_LEVEL = 'STATEMENT' AND TG_OP = 'DELETE' THEN
        SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
            'organization_id', coalesce(r ->> 'organization_id', r ->> 'id'),
            'row_id', r ->> 'id',
            'action', 'delete',
            'old_values', (r - derived_columns) || masks
        ))
        INTO records
        FROM old_rows AS o
        CROSS JOIN LATERAL pg_catalog.to_jsonb(o) AS r;
    ELSIF TG_LEVEL = 'STATEMENT' THEN
        SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
            'organization_id', coalesce(n.r ->> 'organization_id', n.r ->> 'id'),
            'row_id', n.r ->> 'id',
            'action', 'update',
            'changed_columns', pg_catalog.to_jsonb(d.changed),
            'old_values', d.old_values || (
                SELECT coalesce(pg_catalog.jsonb_object_agg(m.key, m.value), '{}')
                FROM pg_catalog.jsonb_each(masks) AS m
                WHERE d.old_values ? m.key
            ),
            'new_values', d.new_values || (
                SELECT coalesce(pg_catalog.jsonb_object_agg(m.key, m.value), '{}')
                FROM pg_catalog.jsonb_each(masks) AS m
                WHERE d.new_values ? m.key
            )
        ))
        INTO records
        FROM (SELECT pg_catalog.to_jsonb(x) AS r FROM old_rows AS x) AS o
        INNER JOIN (SELECT pg_catalog.to_jsonb(x) AS r FROM new_rows AS x) AS n
            ON
                n.r -> 'id' = o.r -> 'id'
                AND coalesce(n.r -> 'organization_id', 'null') = coalesce(o.r -> 'organization_id', 'null')
        CROSS JOIN LATERAL (
            SELECT
                coalesce(pg_catalog.array_agg(e.key ORDER BY e.key), '{}') AS changed,
                coalesce(pg_catalog.jsonb_object_agg(e.key, o.r -> e.key), '{}') AS old_values,
                coalesce(pg_catalog.jsonb_object_agg(e.key, e.value), '{}') AS new_values
            FROM pg_catalog.jsonb_each(n.r) AS e
            WHERE
                e.value IS DISTINCT FROM o.r -> e.key
                AND e.key <> ALL (derived_columns || bookkeeping_columns)
        ) AS d;
    ELSE
        IF TG_OP = 'UPDATE' THEN
            SELECT coalesce(pg_catalog.array_agg(n.key ORDER BY n.key), '{}')
            INTO changed
            FROM pg_catalog.jsonb_each(new_row) AS n
            WHERE n.value IS DISTINCT FROM old_row -> n.key
                AND n.key <> ALL (derived_columns || bookkeeping_columns);
            old_row := coalesce((
                SELECT pg_catalog.jsonb_object_agg(c, old_row -> c) FROM pg_catalog.unnest(changed) AS c
            ), '{}');
            new_row := coalesce((
                SELECT pg_catalog.jsonb_object_agg(c, new_row -> c) FROM pg_catalog.unnest(changed) AS c
            ), '{}');
        ELSE
            old_row := old_row - derived_columns;
            new_row := new_row - derived_columns;
        END IF;
        FOREACH secret IN ARRAY secret_columns LOOP
            IF old_row ? secret THEN
                old_row := pg_catalog.jsonb_set(old_row, ARRAY[secret], '"[redacted]"');
            END IF;
            IF new_row ? secret THEN
                new_row := pg_catalog.jsonb_set(new_row, ARRAY[secret], '"[redacted]"');
            END IF;
        END LOOP;
        records := pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'organization_id', coalesce(whole_row ->> 'organization_id', whole_row ->> 'id'),
            'row_id', whole_row ->> 'id',
            'action', pg_catalog.lower(TG_OP),
            'changed_columns', pg_catalog.to_jsonb(changed),
            'old_values', old_row,
            'new_values', new_row
        ));
    END IF;
    -- One row at a time: each INSERT ... VALUES is a router insert into the co-located
    -- activity_logs shard on this worker (local execution).
    FOR rec IN
        SELECT * FROM pg_catalog.jsonb_to_recordset(coalesce(records, '[]')) AS r (
            organization_id pg_catalog.uuid, row_id pg_catalog.uuid, action pg_catalog.text,
            changed_columns pg_catalog.text[], old_values pg_catalog.jsonb, new_values pg_catalog.jsonb
        )
    LOOP
        INSERT INTO cmms.activity_logs (
            organization_id, table_name, row_id, action, changed_columns, old_values, new_values
        ) VALUES (
            rec.organization_id, table_name, rec.row_id, rec.action, rec.changed_columns,
            rec.old_values, rec.new_values
        );
    END LOOP;
    RETURN NULL;
END;
$$;

-- The audit function (for its INSERTs above) and the other trigger functions of cmms read
-- or write co-located tables of the same tenant
-- (work order numbers, custom field checks, maintenance logs, notifications, ON DELETE SET
-- NULL): from a shard, each such query is a router query to a co-located shard on the same
-- worker, run by local execution in the same transaction. Citus must be told to allow it.
DO $$
DECLARE
    f pg_catalog.regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::pg_catalog.regprocedure
        FROM pg_catalog.pg_proc AS p
        WHERE p.pronamespace = 'cmms'::pg_catalog.regnamespace
          AND p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype
        ORDER BY 1
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET citus.allow_nested_distributed_execution = on', f);
    END LOOP;
END;
$$;
