-- The audit trail: every INSERT, UPDATE and DELETE on an audited tenant table leaves one
-- record, written by one generic trigger function. Append-only: the application may only
-- read it, and a trigger refuses UPDATE, DELETE and TRUNCATE for everyone else; retention
-- detaches whole monthly partitions (cmmsdb partitions maintain --retain).
-- Partitioned by month on created_at (templates/partitions/): a default partition catches
-- rows outside every month, and partition maintenance reports any row found there.
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.activity_logs (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_id uuid DEFAULT cmms.current_user_id(),
    table_name text NOT NULL,
    row_id uuid NOT NULL,
    action text NOT NULL,
    changed_columns text[],
    old_values jsonb,
    new_values jsonb,
    transaction_id bigint NOT NULL DEFAULT txid_current(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT activity_logs_pkey PRIMARY KEY (organization_id, id, created_at),
    CONSTRAINT activity_logs_action_check CHECK (action IN ('insert', 'update', 'delete'))
) PARTITION BY RANGE (created_at);

CREATE INDEX activity_logs_organization_id_created_at_idx
ON cmms.activity_logs (organization_id, created_at DESC);

CREATE INDEX activity_logs_organization_id_table_name_row_id_idx
ON cmms.activity_logs (organization_id, table_name, row_id, created_at DESC);

COMMENT ON TABLE cmms.activity_logs IS
'Audit trail: one append-only record per INSERT, UPDATE or DELETE on an audited tenant table; partitioned by month.';
COMMENT ON COLUMN cmms.activity_logs.actor_id IS
'User of the tenant context that made the change; NULL for changes made without one.';
COMMENT ON COLUMN cmms.activity_logs.table_name IS 'Table of schema cmms that changed.';
COMMENT ON COLUMN cmms.activity_logs.row_id IS
'id of the row that changed (for organizations, the organization itself).';
COMMENT ON COLUMN cmms.activity_logs.action IS 'insert, update or delete.';
COMMENT ON COLUMN cmms.activity_logs.changed_columns IS
'For an update, the columns whose value changed (updated_at and updated_by excepted).';
COMMENT ON COLUMN cmms.activity_logs.old_values IS
'Values before the change: the whole row for a delete, only the changed columns for an update; secrets are redacted.';
COMMENT ON COLUMN cmms.activity_logs.new_values IS
'Values after the change: the whole row for an insert, only the changed columns for an update; secrets are redacted.';
COMMENT ON COLUMN cmms.activity_logs.transaction_id IS
'Transaction that made the change: groups the records of one operation.';
COMMENT ON COLUMN cmms.activity_logs.updated_at IS 'Equal to created_at: audit records are never updated.';
COMMENT ON COLUMN cmms.activity_logs.deleted_at IS
'Always NULL: audit records are never deleted, only detached by partition.';
COMMENT ON COLUMN cmms.activity_logs.created_by IS
'User of the tenant context when the record was written (same as actor_id).';
COMMENT ON COLUMN cmms.activity_logs.updated_by IS 'Same as created_by: audit records are never updated.';

CREATE FUNCTION cmms.refuse_audit_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    RAISE EXCEPTION 'cmms.activity_logs is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege',
        HINT = 'retention detaches whole partitions: cmmsdb partitions maintain --retain N';
END;
$$;

COMMENT ON FUNCTION cmms.refuse_audit_change() IS
'Trigger that refuses UPDATE, DELETE and TRUNCATE on the audit trail, whoever runs them.';

CREATE TRIGGER activity_logs_refuse_change
BEFORE UPDATE OR DELETE ON cmms.activity_logs
FOR EACH ROW EXECUTE FUNCTION cmms.refuse_audit_change();

-- Also per statement: row-level security may hide every row from a role, and an UPDATE or
-- DELETE that touches no row must still fail rather than pretend it had nothing to do.
CREATE TRIGGER activity_logs_refuse_statement
BEFORE UPDATE OR DELETE ON cmms.activity_logs
FOR EACH STATEMENT EXECUTE FUNCTION cmms.refuse_audit_change();

CREATE TRIGGER activity_logs_refuse_truncate
BEFORE TRUNCATE ON cmms.activity_logs
FOR EACH STATEMENT EXECUTE FUNCTION cmms.refuse_audit_change();

-- Rendered from templates/partitions/default_partition.sql.j2 and, for the current month
-- and the three after it (UTC), monthly_partition.sql.j2; later months come from
-- `cmmsdb partitions maintain`.
CREATE TABLE cmms.activity_logs_default
PARTITION OF cmms.activity_logs DEFAULT;

REVOKE ALL ON cmms.activity_logs_default FROM cmms_app, cmms_readonly;

CREATE TRIGGER activity_logs_refuse_truncate
BEFORE TRUNCATE ON cmms.activity_logs_default
FOR EACH STATEMENT EXECUTE FUNCTION cmms.refuse_audit_change();

DO $$
DECLARE
    month date;
    partition text;
BEGIN
    FOR month IN
        SELECT pg_catalog.generate_series(
            pg_catalog.date_trunc('month', pg_catalog.now() AT TIME ZONE 'UTC'),
            pg_catalog.date_trunc('month', pg_catalog.now() AT TIME ZONE 'UTC') + interval '3 months',
            interval '1 month'
        )::date
    LOOP
        partition := 'activity_logs_p' || pg_catalog.to_char(month, 'YYYY_MM');
        EXECUTE pg_catalog.format(
            'CREATE TABLE cmms.%I PARTITION OF cmms.activity_logs FOR VALUES FROM (%L) TO (%L)',
            partition, month || ' 00:00:00+00', (month + interval '1 month')::date || ' 00:00:00+00'
        );
        EXECUTE pg_catalog.format('REVOKE ALL ON cmms.%I FROM cmms_app, cmms_readonly', partition);
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER activity_logs_refuse_truncate BEFORE TRUNCATE ON cmms.%I '
            'FOR EACH STATEMENT EXECUTE FUNCTION cmms.refuse_audit_change()',
            partition
        );
    END LOOP;
END
$$;

-- The application reads the audit trail through the parent only, where row-level
-- security applies: each partition above has no grant to cmms_app or cmms_readonly.
REVOKE INSERT, UPDATE, DELETE ON cmms.activity_logs FROM cmms_app;

ALTER TABLE cmms.activity_logs ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.activity_logs FORCE ROW LEVEL SECURITY;

CREATE POLICY activity_logs_select ON cmms.activity_logs
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

-- Only cmms.audit_row_change() writes here: it runs as cmms_owner, and records a change
-- even when it was made without a tenant context (by a DBA, say).
CREATE POLICY activity_logs_insert ON cmms.activity_logs
FOR INSERT TO cmms_owner
WITH CHECK (TRUE);

CREATE FUNCTION cmms.audit_row_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    secret_columns CONSTANT text[] := ARRAY['password_hash', 'refresh_token_hash'];
    derived_columns CONSTANT text[] := ARRAY['search_vector', 'email_key'];
    bookkeeping_columns CONSTANT text[] := ARRAY['updated_at', 'updated_by'];
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN pg_catalog.to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN pg_catalog.to_jsonb(NEW) END;
    whole_row jsonb := coalesce(new_row, old_row);
    changed text[];
    secret text;
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
        coalesce(whole_row ->> 'organization_id', whole_row ->> 'id')::uuid,
        TG_TABLE_NAME,
        (whole_row ->> 'id')::uuid,
        pg_catalog.lower(TG_OP),
        changed,
        old_row,
        new_row
    );
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION cmms.audit_row_change() IS
'AFTER row trigger of audited tenant tables: appends each change to cmms.activity_logs, secrets redacted.';

REVOKE EXECUTE ON FUNCTION cmms.audit_row_change() FROM cmms_app, cmms_readonly;

REVOKE EXECUTE ON FUNCTION cmms.refuse_audit_change() FROM cmms_app, cmms_readonly;

-- Rendered from templates/audit/audit_trigger.sql.j2.
CREATE TRIGGER organizations_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.organizations
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE TRIGGER users_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.users
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();
