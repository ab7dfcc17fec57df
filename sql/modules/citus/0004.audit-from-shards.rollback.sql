-- 0140's cmms.audit_row_change() again (the single-server version, INSERT ... SELECT over the
-- transition tables, no Citus setting).
RESET ROLE;

CREATE OR REPLACE FUNCTION cmms.audit_row_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    secret_columns CONSTANT pg_catalog.text[] := ARRAY['password_hash', 'refresh_token_hash'];
    -- Generated columns (search vectors, references, sort keys) are derived, not changes.
    derived_columns CONSTANT pg_catalog.text[] := coalesce((
        SELECT pg_catalog.array_agg(a.attname::pg_catalog.text)
        FROM pg_catalog.pg_attribute AS a
        WHERE a.attrelid = TG_RELID AND a.attgenerated <> '' AND NOT a.attisdropped
    ), '{}');
    -- A row of a partitioned table is recorded under the table's name, not the partition's.
    table_name CONSTANT pg_catalog.text := (
        SELECT c.relname FROM pg_catalog.pg_class AS c
        WHERE c.oid = coalesce(pg_catalog.pg_partition_root(TG_RELID), TG_RELID)
    );
    bookkeeping_columns CONSTANT pg_catalog.text[] := ARRAY['updated_at', 'updated_by'];
    old_row pg_catalog.jsonb := CASE WHEN TG_OP <> 'INSERT' THEN pg_catalog.to_jsonb(OLD) END;
    new_row pg_catalog.jsonb := CASE WHEN TG_OP <> 'DELETE' THEN pg_catalog.to_jsonb(NEW) END;
    whole_row pg_catalog.jsonb := coalesce(new_row, old_row);
    changed pg_catalog.text[];
    secret pg_catalog.text;
    -- Each secret column of this table, mapped to what the trail shows instead.
    masks CONSTANT pg_catalog.jsonb := coalesce((
        SELECT pg_catalog.jsonb_object_agg(a.attname, '"[redacted]"'::pg_catalog.jsonb)
        FROM pg_catalog.pg_attribute AS a
        WHERE a.attrelid = TG_RELID AND a.attname = ANY (secret_columns) AND NOT a.attisdropped
    ), '{}');
BEGIN
    IF TG_LEVEL = 'STATEMENT' AND TG_OP = 'INSERT' THEN
        INSERT INTO cmms.activity_logs (
            organization_id, table_name, row_id, action, changed_columns, old_values, new_values
        )
        SELECT
            coalesce(r ->> 'organization_id', r ->> 'id')::pg_catalog.uuid,
            table_name,
            (r ->> 'id')::pg_catalog.uuid,
            'insert',
            NULL,
            NULL,
            (r - derived_columns) || masks
        FROM new_rows AS n
        CROSS JOIN LATERAL pg_catalog.to_jsonb(n) AS r;
        RETURN NULL;
    ELSIF TG_LEVEL = 'STATEMENT' AND TG_OP = 'DELETE' THEN
        INSERT INTO cmms.activity_logs (
            organization_id, table_name, row_id, action, changed_columns, old_values, new_values
        )
        SELECT
            coalesce(r ->> 'organization_id', r ->> 'id')::pg_catalog.uuid,
            table_name,
            (r ->> 'id')::pg_catalog.uuid,
            'delete',
            NULL,
            (r - derived_columns) || masks,
            NULL
        FROM old_rows AS o
        CROSS JOIN LATERAL pg_catalog.to_jsonb(o) AS r;
        RETURN NULL;
    ELSIF TG_LEVEL = 'STATEMENT' THEN
        INSERT INTO cmms.activity_logs (
            organization_id, table_name, row_id, action, changed_columns, old_values, new_values
        )
        SELECT
            coalesce(n.r ->> 'organization_id', n.r ->> 'id')::pg_catalog.uuid,
            table_name,
            (n.r ->> 'id')::pg_catalog.uuid,
            'update',
            d.changed,
            d.old_values || (
                SELECT coalesce(pg_catalog.jsonb_object_agg(m.key, m.value), '{}')
                FROM pg_catalog.jsonb_each(masks) AS m
                WHERE d.old_values ? m.key
            ),
            d.new_values || (
                SELECT coalesce(pg_catalog.jsonb_object_agg(m.key, m.value), '{}')
                FROM pg_catalog.jsonb_each(masks) AS m
                WHERE d.new_values ? m.key
            )
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
        RETURN NULL;
    END IF;
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
    INSERT INTO cmms.activity_logs (
        organization_id, table_name, row_id, action, changed_columns, old_values, new_values
    ) VALUES (
        coalesce(whole_row ->> 'organization_id', whole_row ->> 'id')::pg_catalog.uuid,
        table_name,
        (whole_row ->> 'id')::pg_catalog.uuid,
        pg_catalog.lower(TG_OP),
        changed,
        old_row,
        new_row
    );
    RETURN NULL;
END;
$$;

DO $$
DECLARE
    f pg_catalog.regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::pg_catalog.regprocedure
        FROM pg_catalog.pg_proc AS p
        WHERE p.pronamespace = 'cmms'::pg_catalog.regnamespace
          AND p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype
          AND p.oid <> 'cmms.audit_row_change()'::pg_catalog.regprocedure
        ORDER BY 1
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s RESET citus.allow_nested_distributed_execution', f);
    END LOOP;
END;
$$;
