-- GDPR: cmms.export_user_data(user_id) gives everything held about a person (access), and
-- cmms.erase_user(user_id) anonymises their personal data while keeping the work history
-- and every reference to the (now anonymous) user row (erasure).
-- The audit trail is append-only, but it copies personal data (the users row when it was
-- inserted and changed, a signer's name, a requester's name and email). Erasure must not
-- leave them there in clear, so the audit trail accepts one kind of change, and only from
-- cmms.erase_user: a value of a record replaced by "[erased]" (nothing else may change;
-- refuse_audit_change checks every record). The erasure itself is audited like any change,
-- its old and new values erased too: the trail says who erased whom and when.
SET LOCAL ROLE cmms_owner;

CREATE OR REPLACE FUNCTION cmms.refuse_audit_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
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

CREATE FUNCTION cmms.is_erasure_of(before jsonb, after jsonb)
RETURNS boolean
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
RETURN (before IS NULL AND after IS NULL) OR (
    pg_catalog.jsonb_typeof(before) = 'object' AND pg_catalog.jsonb_typeof(after) = 'object'
    AND NOT EXISTS (
        SELECT
        FROM pg_catalog.jsonb_each(before) AS b (key, value)
        FULL JOIN pg_catalog.jsonb_each(after) AS a (key, value) ON b.key = a.key
        WHERE
            b.key IS NULL
            OR a.key IS NULL
            OR (a.value IS DISTINCT FROM b.value AND a.value <> '"[erased]"'::jsonb)
    )
);

COMMENT ON FUNCTION cmms.is_erasure_of(jsonb, jsonb) IS
'True when after is before with some values replaced by "[erased]" (same keys, nothing else changed): the only '
'change cmms.refuse_audit_change lets cmms.erase_user make to the audit trail.';

CREATE POLICY activity_logs_update ON cmms.activity_logs
FOR UPDATE TO cmms_owner
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

COMMENT ON POLICY activity_logs_update ON cmms.activity_logs IS
'For cmms.erase_user only (it runs as cmms_owner): refuse_audit_change lets no other update through.';

CREATE FUNCTION cmms.export_user_data(user_id uuid)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SET search_path = ''
AS $$
DECLARE
    person jsonb;
    records jsonb := '{}'::jsonb;
    reference record;
    found jsonb;
BEGIN
    SELECT pg_catalog.to_jsonb(u) INTO person
    FROM cmms.users AS u
    WHERE u.organization_id = cmms.current_org_id() AND u.id = export_user_data.user_id;
    IF person IS NULL THEN
        RAISE EXCEPTION 'cmms.export_user_data: no user % in this organization', export_user_data.user_id
            USING ERRCODE = 'no_data_found';
    END IF;
    -- Every row that names the user, found through the foreign keys to cmms.users, so that
    -- a table added later is exported too: {"table": {"column": [rows]}}.
    FOR reference IN
        SELECT c.conrelid::regclass AS tbl, cl.relname::text AS table_name, a.attname::text AS column_name
        FROM pg_catalog.pg_constraint AS c
        INNER JOIN pg_catalog.pg_class AS cl ON c.conrelid = cl.oid
        INNER JOIN pg_catalog.pg_attribute AS a ON c.conrelid = a.attrelid AND a.attnum = c.conkey[2]
        WHERE
            c.contype = 'f'
            AND c.confrelid = 'cmms.users'::regclass
            AND pg_catalog.cardinality(c.conkey) = 2
            AND NOT cl.relispartition
        ORDER BY 2, 3
    LOOP
        EXECUTE pg_catalog.format(
            'SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(r) - %L::text[] ORDER BY r.created_at, r.id)'
            ' FROM %s AS r WHERE r.organization_id = cmms.current_org_id() AND r.%I = $1',
            ARRAY['search_vector', 'refresh_token_hash'], reference.tbl, reference.column_name
        ) INTO found USING export_user_data.user_id;
        IF found IS NOT NULL THEN
            records := pg_catalog.jsonb_set(
                records, ARRAY[reference.table_name],
                coalesce(records -> reference.table_name, '{}') || pg_catalog.jsonb_build_object(reference.column_name, found)
            );
        END IF;
    END LOOP;
    RETURN pg_catalog.jsonb_build_object(
        'exported_at', pg_catalog.now(),
        'organization_id', cmms.current_org_id(),
        'user', person - ARRAY['email_key', 'password_hash']
        || pg_catalog.jsonb_build_object('has_password', person ->> 'password_hash' IS NOT NULL),
        'records', records,
        'work_orders_created', coalesce((
            SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(w) - 'search_vector' ORDER BY w.created_at, w.id)
            FROM cmms.work_orders AS w
            WHERE w.organization_id = cmms.current_org_id() AND w.created_by = export_user_data.user_id
        ), '[]'),
        'activity_about_user', coalesce((
            SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(l) ORDER BY l.created_at, l.id)
            FROM cmms.activity_logs AS l
            WHERE
                l.organization_id = cmms.current_org_id()
                AND l.table_name = 'users'
                AND l.row_id = export_user_data.user_id
        ), '[]'),
        'activity_by_user', coalesce((
            SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(l) ORDER BY l.created_at, l.id)
            FROM cmms.activity_logs AS l
            WHERE l.organization_id = cmms.current_org_id() AND l.actor_id = export_user_data.user_id
        ), '[]')
    );
END;
$$;

COMMENT ON FUNCTION cmms.export_user_data(uuid) IS
'GDPR access: everything the tenant holds about one of its users, as JSON: the user row (password hash left out), '
'every row of every table that references the user (records: {table: {column: [rows]}}: sessions without token '
'hashes, work orders assigned or requested, comments, labor, signatures, notifications...), the work orders they '
'created, and the audit trail about them and by them. Raises no_data_found for a user of no or another tenant.';

CREATE FUNCTION cmms.erase_user(user_id uuid)
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

-- Only erase_user, as cmms_owner, needs it (through refuse_audit_change).
REVOKE EXECUTE ON FUNCTION cmms.is_erasure_of(jsonb, jsonb) FROM cmms_app, cmms_readonly;

-- Erasure writes: the application may call it, reporting may not.
REVOKE EXECUTE ON FUNCTION cmms.erase_user(uuid) FROM cmms_readonly;
