-- The audit trail, written a statement at a time. Until now every audited table had a
-- FOR EACH ROW trigger: an INSERT of 2,000 rows made 2,000 calls of cmms.audit_row_change,
-- each reading the catalog and inserting one record. Each table now has three AFTER ...
-- FOR EACH STATEMENT triggers with transition tables (one per event: PostgreSQL allows
-- transition tables on single-event triggers only), and the function writes the records
-- of the whole statement with one INSERT ... SELECT: the same records (one per row changed,
-- under the root table's name, generated columns left out, secrets redacted, an update's
-- changed columns with their old and new values), the catalog read once per statement.
-- An update's old and new rows are paired by id (and organization_id): ids never change.
-- The function still handles a FOR EACH ROW trigger the same way as before, for tables a
-- project audits with the earlier template.
-- The triggers are swapped first, as the tables' owner; replacing the function then takes
-- membership of its owner, cmms_audit, for this transaction only (revoked at the end), as
-- 0088 did. Nothing is written in between: the transaction sees both or neither.
SET LOCAL ROLE cmms_owner;

-- Every table audited by a row trigger gets the three statement triggers instead (a
-- partitioned table's row trigger was cloned to its partitions; those clones go with it).
DO $$
DECLARE
    audited record;
BEGIN
    FOR audited IN
        SELECT t.tgname, c.oid::pg_catalog.regclass AS rel, c.relname
        FROM pg_catalog.pg_trigger AS t
        INNER JOIN pg_catalog.pg_class AS c ON t.tgrelid = c.oid
        WHERE
            t.tgfoid = 'cmms.audit_row_change()'::pg_catalog.regprocedure
            AND NOT t.tgisinternal AND t.tgparentid = 0 AND t.tgtype & 1 = 1
        ORDER BY c.relname
    LOOP
        EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', audited.tgname, audited.rel);
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION cmms.audit_row_change()',
            audited.relname || '_audit_insert', audited.rel
        );
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION cmms.audit_row_change()',
            audited.relname || '_audit_update', audited.rel
        );
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION cmms.audit_row_change()',
            audited.relname || '_audit_delete', audited.rel
        );
    END LOOP;
END;
$$;

RESET ROLE;

-- cmmsdb: allow grant-role because the membership lasts this transaction only: revoked at the end
GRANT cmms_audit TO cmms_owner;

SET LOCAL ROLE cmms_owner;

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

COMMENT ON FUNCTION cmms.audit_row_change() IS
'AFTER trigger of audited tenant tables, FOR EACH STATEMENT with transition tables new_rows and old_rows (or FOR '
'EACH ROW): appends each changed row to cmms.activity_logs under the name of the table (the root of a partitioned '
'one), generated columns left out, secrets redacted. Runs as cmms_audit, the only role that may insert audit records.';

RESET ROLE;

REVOKE cmms_audit FROM cmms_owner;
