-- Back to one row trigger per audited table, and the function as 0088 left it.
SET LOCAL ROLE cmms_owner;

DO $$
DECLARE
    audited record;
BEGIN
    FOR audited IN
        SELECT DISTINCT c.oid::pg_catalog.regclass AS rel, c.relname
        FROM pg_catalog.pg_trigger AS t
        INNER JOIN pg_catalog.pg_class AS c ON t.tgrelid = c.oid
        WHERE
            t.tgfoid = 'cmms.audit_row_change()'::pg_catalog.regprocedure
            AND NOT t.tgisinternal AND t.tgtype & 1 = 0
        ORDER BY c.relname
    LOOP
        EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS %I ON %s', audited.relname || '_audit_insert', audited.rel);
        EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS %I ON %s', audited.relname || '_audit_update', audited.rel);
        EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS %I ON %s', audited.relname || '_audit_delete', audited.rel);
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %s '
            'FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change()',
            audited.relname || '_audit', audited.rel
        );
    END LOOP;
END;
$$;

RESET ROLE;

-- cmmsdb: allow grant-role because the membership lasts this transaction only: revoked at the end
GRANT cmms_audit TO cmms_owner;

SET LOCAL ROLE cmms_owner;

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
BEGIN
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
'AFTER row trigger of audited tenant tables: appends each change to cmms.activity_logs under the name of the table '
'(the root of a partitioned one), generated columns left out, secrets redacted. Runs as cmms_audit, the only role '
'that may insert audit records.';

RESET ROLE;

REVOKE cmms_audit FROM cmms_owner;
