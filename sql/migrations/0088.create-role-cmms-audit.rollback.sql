-- Restores the audit trail of 0085 (cmms_owner writes it; the setting cmms.erasing_user
-- admits erasure), with the search paths of 0086. The role cmms_audit stays (it belongs to
-- the cluster), with no privilege left in this database and no member.
RESET ROLE;

-- Taking the functions back from cmms_audit takes membership, for this transaction only.
-- cmmsdb: allow grant-role because the membership lasts this transaction only: revoked at the end
GRANT cmms_audit TO cmms_owner;

SET LOCAL ROLE cmms_owner;

CREATE OR REPLACE FUNCTION cmms.erase_user(user_id uuid)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    org uuid := cmms.current_org_id();
    erased CONSTANT jsonb := '"[erased]"'::jsonb;
    personal CONSTANT text[] := ARRAY[
        'email', 'full_name', 'phone', 'job_title', 'locale', 'timezone', 'hourly_rate', 'last_login_at',
        'password_hash'
    ];
    signatures uuid[];
    requests uuid[];
    sessions_deleted integer;
    notifications_deleted integer;
    audit_records integer;
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
    PERFORM pg_catalog.set_config('cmms.erasing_user', erase_user.user_id::text, TRUE);

    UPDATE cmms.users AS u SET
        email = 'erased-' || u.id || '@invalid',
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

    -- The audit trail's copies of the same data, the records this erasure just wrote included.
    UPDATE cmms.activity_logs AS l SET
        old_values = (
            SELECT pg_catalog.jsonb_object_agg(
                v.key, CASE WHEN v.key = ANY (k.keys) AND v.value <> 'null' THEN erased ELSE v.value END
            )
            FROM pg_catalog.jsonb_each(l.old_values) AS v (key, value)
        ),
        new_values = (
            SELECT pg_catalog.jsonb_object_agg(
                v.key, CASE WHEN v.key = ANY (k.keys) AND v.value <> 'null' THEN erased ELSE v.value END
            )
            FROM pg_catalog.jsonb_each(l.new_values) AS v (key, value)
        )
    FROM (
        VALUES
        ('users', ARRAY[erase_user.user_id], personal),
        ('checklist_signatures', signatures, ARRAY['signer_name']),
        ('work_requests', requests, ARRAY['requester_name', 'requester_email'])
    ) AS k (table_name, ids, keys)
    WHERE
        l.organization_id = org
        AND l.table_name = k.table_name
        AND l.row_id = ANY (k.ids)
        AND (l.old_values ?| k.keys OR l.new_values ?| k.keys);
    GET DIAGNOSTICS audit_records = ROW_COUNT;

    PERFORM pg_catalog.set_config('cmms.erasing_user', '', TRUE);
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

COMMENT ON FUNCTION cmms.erase_user(uuid) IS
'GDPR erasure of one of the tenant''s users: the user row keeps its id (every reference stays valid) but loses '
'name, email, phone, job title, preferences, rate and password, and is disabled and soft-deleted; sessions and '
'notifications are deleted; signer and requester names and emails copied into signatures and work requests are '
'replaced; the audit trail''s copies of those values become "[erased]". Audited. Returns counts. Raises '
'no_data_found for a user of no or another tenant.';

CREATE OR REPLACE FUNCTION cmms.refuse_audit_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- cmms.erase_user may replace values of personal data by "[erased]", and nothing else.
    IF TG_OP = 'UPDATE' AND pg_catalog.current_setting('cmms.erasing_user', TRUE) IS NOT NULL
        AND pg_catalog.current_setting('cmms.erasing_user', TRUE) <> '' THEN
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
'cmms.erase_user replacing values of personal data by "[erased]" (cmms.is_erasure_of).';


REVOKE EXECUTE ON FUNCTION cmms.audit_row_change() FROM cmms_owner;

ALTER FUNCTION cmms.audit_row_change() OWNER TO cmms_owner;

CREATE OR REPLACE FUNCTION cmms.audit_row_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    secret_columns CONSTANT text[] := ARRAY['password_hash', 'refresh_token_hash'];
    -- Generated columns (search vectors, references, sort keys) are derived, not changes.
    derived_columns CONSTANT text[] := coalesce((
        SELECT pg_catalog.array_agg(a.attname::text)
        FROM pg_catalog.pg_attribute AS a
        WHERE a.attrelid = TG_RELID AND a.attgenerated <> '' AND NOT a.attisdropped
    ), '{}');
    -- A row of a partitioned table is recorded under the table's name, not the partition's.
    table_name CONSTANT text := (
        SELECT c.relname FROM pg_catalog.pg_class AS c
        WHERE c.oid = coalesce(pg_catalog.pg_partition_root(TG_RELID), TG_RELID)
    );
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
        table_name,
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
'AFTER row trigger of audited tenant tables: appends each change to cmms.activity_logs under the name of the table '
'(the root of a partitioned one), generated columns left out, secrets redacted.';

DROP FUNCTION cmms.erase_audit_values(text, uuid[], text[]);

DROP POLICY activity_logs_update ON cmms.activity_logs;

CREATE POLICY activity_logs_update ON cmms.activity_logs
FOR UPDATE TO cmms_owner
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

COMMENT ON POLICY activity_logs_update ON cmms.activity_logs IS
'For cmms.erase_user only (it runs as cmms_owner): refuse_audit_change lets no other update through.';

ALTER POLICY activity_logs_select ON cmms.activity_logs
TO cmms_owner, cmms_app, cmms_readonly;

DROP POLICY activity_logs_insert ON cmms.activity_logs;

-- cmmsdb: allow open-policy because the rollback restores 0009's policy exactly
CREATE POLICY activity_logs_insert ON cmms.activity_logs
FOR INSERT TO cmms_owner
WITH CHECK (TRUE);

REVOKE EXECUTE ON FUNCTION cmms.is_erasure_of(jsonb, jsonb) FROM cmms_audit;

REVOKE EXECUTE ON FUNCTION cmms.current_user_id() FROM cmms_audit;

REVOKE EXECUTE ON FUNCTION cmms.current_org_id() FROM cmms_audit;

REVOKE SELECT, INSERT, UPDATE ON cmms.activity_logs FROM cmms_audit;

REVOKE USAGE ON SCHEMA cmms FROM cmms_audit;

RESET ROLE;

REVOKE cmms_audit FROM cmms_owner;
