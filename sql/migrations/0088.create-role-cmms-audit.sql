-- The audit trail is written and erased by who is running, not by a setting anyone can set.
-- A new role, cmms_audit (NOLOGIN, NOBYPASSRLS, and nobody is a member of it), owns the two
-- SECURITY DEFINER functions that write to cmms.activity_logs, and is the only role with
-- policies to do so:
--   cmms.audit_row_change()       the audit trigger: INSERTs one record per change;
--   cmms.erase_audit_values(...)  GDPR erasure: replaces personal values by "[erased]",
--                                 called by cmms.erase_user (EXECUTE for cmms_owner only).
-- refuse_audit_change lets an UPDATE through only when it runs as cmms_audit, and then only
-- an erasure (cmms.is_erasure_of); the setting cmms.erasing_user no longer counts. cmms_owner
-- loses its INSERT policy (WITH CHECK (true) accepted forged, back-dated records) and its
-- UPDATE policy: plain DML by the owner, or by a login acting as the owner, cannot write the
-- trail. The owner owns the table and could still change it with DDL: the trail guards
-- against the application and against accidents, not against the schema's owner.
-- Every type and relation in the three functions' bodies is schema-qualified, and their
-- search path is pg_catalog, pg_temp (see 0086).
-- The role belongs to the cluster: created only when missing, and the rollback leaves it.

-- As the login role: creating a role takes CREATEROLE, which cmms_owner has not.
RESET ROLE;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'cmms_audit') THEN
        CREATE ROLE cmms_audit NOLOGIN NOBYPASSRLS;
    END IF;
END;
$$;

-- Handing functions over to cmms_audit takes membership: for this transaction only (revoked
-- at the end of this migration).
-- cmmsdb: allow grant-role because the membership lasts this transaction only: revoked at the end
GRANT cmms_audit TO cmms_owner;

SET LOCAL ROLE cmms_owner;

GRANT USAGE ON SCHEMA cmms TO cmms_audit;

GRANT SELECT, INSERT, UPDATE ON cmms.activity_logs TO cmms_audit;

-- The defaults of activity_logs (actor_id, created_by, updated_by) and the erasure check.
GRANT EXECUTE ON FUNCTION cmms.current_org_id() TO cmms_audit;

GRANT EXECUTE ON FUNCTION cmms.current_user_id() TO cmms_audit;

GRANT EXECUTE ON FUNCTION cmms.is_erasure_of(jsonb, jsonb) TO cmms_audit;

DROP POLICY activity_logs_insert ON cmms.activity_logs;

CREATE POLICY activity_logs_insert ON cmms.activity_logs
FOR INSERT TO cmms_audit
WITH CHECK (TRUE);

COMMENT ON POLICY activity_logs_insert ON cmms.activity_logs IS
'Only cmms_audit writes the audit trail (cmms.audit_row_change runs as it): a change made without a tenant '
'context (by a DBA, say) is recorded too.';

ALTER POLICY activity_logs_select ON cmms.activity_logs
TO cmms_owner, cmms_app, cmms_readonly, cmms_audit;

DROP POLICY activity_logs_update ON cmms.activity_logs;

CREATE POLICY activity_logs_update ON cmms.activity_logs
FOR UPDATE TO cmms_audit
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

COMMENT ON POLICY activity_logs_update ON cmms.activity_logs IS
'For cmms.erase_audit_values only (it runs as cmms_audit): refuse_audit_change lets no other update through.';

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

CREATE FUNCTION cmms.erase_audit_values(table_name text, row_ids uuid[], keys text[])
RETURNS integer
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org pg_catalog.uuid := cmms.current_org_id();
    erased CONSTANT pg_catalog.jsonb := '"[erased]"'::pg_catalog.jsonb;
    changed pg_catalog.int4;
BEGIN
    IF org IS NULL THEN
        RAISE EXCEPTION 'cmms.erase_audit_values: no tenant context' USING ERRCODE = 'insufficient_privilege',
            HINT = 'call cmms.set_context(organization, user) first';
    END IF;
    UPDATE cmms.activity_logs AS l SET
        old_values = (
            SELECT pg_catalog.jsonb_object_agg(
                v.key, CASE WHEN v.key = ANY (erase_audit_values.keys) AND v.value <> 'null' THEN erased ELSE v.value END
            )
            FROM pg_catalog.jsonb_each(l.old_values) AS v (key, value)
        ),
        new_values = (
            SELECT pg_catalog.jsonb_object_agg(
                v.key, CASE WHEN v.key = ANY (erase_audit_values.keys) AND v.value <> 'null' THEN erased ELSE v.value END
            )
            FROM pg_catalog.jsonb_each(l.new_values) AS v (key, value)
        )
    WHERE
        l.organization_id = org
        AND l.table_name = erase_audit_values.table_name
        AND l.row_id = ANY (erase_audit_values.row_ids)
        AND (l.old_values ?| erase_audit_values.keys OR l.new_values ?| erase_audit_values.keys);
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END;
$$;

COMMENT ON FUNCTION cmms.erase_audit_values(text, uuid[], text[]) IS
'GDPR erasure in the audit trail: in the tenant''s records of these rows of this table, the values of these keys '
'become "[erased]"; returns how many records changed. Runs as cmms_audit, the only role whose update '
'refuse_audit_change lets through; EXECUTE for cmms_owner only (cmms.erase_user).';

REVOKE EXECUTE ON FUNCTION cmms.erase_audit_values(text, uuid[], text[]) FROM PUBLIC, cmms_app, cmms_readonly;

-- Owned by cmms_audit, which needs CREATE on the schema for the hand-over only.
GRANT CREATE ON SCHEMA cmms TO cmms_audit;

ALTER FUNCTION cmms.audit_row_change() OWNER TO cmms_audit;

ALTER FUNCTION cmms.erase_audit_values(text, uuid[], text[]) OWNER TO cmms_audit;

REVOKE CREATE ON SCHEMA cmms FROM cmms_audit;

-- cmms_owner creates the audit triggers of new tables, and erase_user (owned by it) erases.
GRANT EXECUTE ON FUNCTION cmms.audit_row_change() TO cmms_owner;

GRANT EXECUTE ON FUNCTION cmms.erase_audit_values(text, uuid[], text[]) TO cmms_owner;

CREATE OR REPLACE FUNCTION cmms.refuse_audit_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- cmms.erase_audit_values (running as cmms_audit) may replace values of personal data by
    -- "[erased]", and nothing else.
    IF TG_OP = 'UPDATE' AND CURRENT_USER = 'cmms_audit' THEN
        IF TG_LEVEL = 'STATEMENT' THEN
            RETURN NULL;
        END IF;
        IF (pg_catalog.to_jsonb(OLD) - ARRAY['old_values', 'new_values'])
            = (pg_catalog.to_jsonb(NEW) - ARRAY['old_values', 'new_values'])
            AND cmms.is_erasure_of(OLD.old_values, NEW.old_values)
            AND cmms.is_erasure_of(OLD.new_values, NEW.new_values) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'cmms.activity_logs is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege',
        HINT = 'retention detaches whole partitions: cmmsdb partitions maintain --retain N';
END;
$$;

COMMENT ON FUNCTION cmms.refuse_audit_change() IS
'Trigger that refuses UPDATE, DELETE and TRUNCATE on the audit trail, whoever runs them; the one exception is '
'cmms.erase_audit_values (running as cmms_audit) replacing values of personal data by "[erased]" '
'(cmms.is_erasure_of).';

CREATE OR REPLACE FUNCTION cmms.erase_user(user_id uuid)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org pg_catalog.uuid := cmms.current_org_id();
    personal CONSTANT pg_catalog.text[] := ARRAY[
        'email', 'full_name', 'phone', 'job_title', 'locale', 'timezone', 'hourly_rate', 'last_login_at',
        'password_hash'
    ];
    signatures pg_catalog.uuid[];
    requests pg_catalog.uuid[];
    sessions_deleted pg_catalog.int4;
    notifications_deleted pg_catalog.int4;
    audit_records pg_catalog.int4;
BEGIN
    IF org IS NULL THEN
        RAISE EXCEPTION 'cmms.erase_user: no tenant context' USING ERRCODE = 'insufficient_privilege',
            HINT = 'call cmms.set_context(organization, user) first';
    END IF;
    PERFORM FROM cmms.users AS u WHERE u.organization_id = org AND u.id = erase_user.user_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'cmms.erase_user: no user % in this organization', erase_user.user_id
            USING ERRCODE = 'no_data_found';
    END IF;
    UPDATE cmms.users AS u SET
        email = 'erased-' || u.id::pg_catalog.text || '@invalid',
        full_name = 'Erased user',
        password_hash = NULL,
        phone = NULL,
        job_title = NULL,
        locale = NULL,
        timezone = NULL,
        hourly_rate = NULL,
        last_login_at = NULL,
        status = 'disabled',
        deleted_at = coalesce(u.deleted_at, pg_catalog.clock_timestamp())
    WHERE u.organization_id = org AND u.id = erase_user.user_id;

    DELETE FROM cmms.user_sessions AS s WHERE s.organization_id = org AND s.user_id = erase_user.user_id;
    GET DIAGNOSTICS sessions_deleted = ROW_COUNT;
    DELETE FROM cmms.notifications AS n WHERE n.organization_id = org AND n.user_id = erase_user.user_id;
    GET DIAGNOSTICS notifications_deleted = ROW_COUNT;

    -- Copies of the person's name and email in the work history.
    WITH changed AS (
        UPDATE cmms.checklist_signatures AS s SET signer_name = 'Erased user'
        WHERE s.organization_id = org AND s.signed_by_user_id = erase_user.user_id
        RETURNING s.id
    )
    SELECT coalesce(pg_catalog.array_agg(changed.id), '{}') INTO signatures FROM changed;
    WITH changed AS (
        UPDATE cmms.work_requests AS r SET requester_name = 'Erased user', requester_email = NULL
        WHERE r.organization_id = org AND r.requester_user_id = erase_user.user_id
        RETURNING r.id
    )
    SELECT coalesce(pg_catalog.array_agg(changed.id), '{}') INTO requests FROM changed;

    -- The audit trail's copies of the same data, the records this erasure just wrote included:
    -- only cmms_audit may change them (cmms.erase_audit_values), and only to "[erased]".
    audit_records := cmms.erase_audit_values('users', ARRAY[erase_user.user_id], personal)
        + cmms.erase_audit_values('checklist_signatures', signatures, ARRAY['signer_name'])
        + cmms.erase_audit_values('work_requests', requests, ARRAY['requester_name', 'requester_email']);

    RETURN pg_catalog.jsonb_build_object(
        'user_id', erase_user.user_id,
        'sessions_deleted', sessions_deleted,
        'notifications_deleted', notifications_deleted,
        'signatures_anonymised', pg_catalog.cardinality(signatures),
        'work_requests_anonymised', pg_catalog.cardinality(requests),
        'audit_records_erased', audit_records
    );
END;
$$;

RESET ROLE;

REVOKE cmms_audit FROM cmms_owner;
