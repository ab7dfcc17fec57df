-- cmms_readonly (reporting) reads no credential: users.password_hash and
-- user_sessions.refresh_token_hash are withheld. Its SELECT on those two tables becomes
-- SELECT on each of their other columns, so a report names its columns (SELECT * is
-- refused there). The soft-delete view active_users leaves password_hash out: a view that
-- runs as its invoker needs the invoker's privilege on every column it lists, so with the
-- hash in it the reporting role could not read the view at all (the application reads
-- hashes from cmms.users). The audit trail already redacts both (0088). verify's rule
-- readonly-secrets keeps it so for every table and column. cmms.export_user_data, which
-- the reporting role may call, reads only the columns its caller may read (has_password is
-- NULL for a caller who may not read password hashes).
SET LOCAL ROLE cmms_owner;

DROP VIEW cmms.active_users;

CREATE VIEW cmms.active_users WITH (security_invoker = TRUE) AS
SELECT
    organization_id,
    id,
    email,
    email_key,
    full_name,
    role,
    status,
    phone,
    job_title,
    locale,
    timezone,
    hourly_rate,
    last_login_at,
    created_at,
    updated_at,
    deleted_at,
    created_by,
    updated_by
FROM cmms.users
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_users IS
'Users that are not soft-deleted, without their password hash; runs with the privileges and '
'row-level security of the caller.';

-- The default privileges gave cmms_app INSERT, UPDATE and DELETE too: it reads the view only.
REVOKE ALL ON cmms.active_users FROM cmms_app, cmms_readonly;
GRANT SELECT ON cmms.active_users TO cmms_app, cmms_readonly;

DO $$
DECLARE
    relation pg_catalog.text;
    readable pg_catalog.text;
BEGIN
    FOREACH relation IN ARRAY ARRAY['cmms.users', 'cmms.user_sessions'] LOOP
        SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
        INTO readable
        FROM pg_catalog.pg_attribute AS a
        WHERE a.attrelid = relation::pg_catalog.regclass
          AND a.attnum > 0
          AND NOT a.attisdropped
          AND a.attname NOT IN ('password_hash', 'refresh_token_hash');
        EXECUTE pg_catalog.format('REVOKE SELECT ON %s FROM cmms_readonly', relation);
        EXECUTE pg_catalog.format('GRANT SELECT (%s) ON %s TO cmms_readonly', readable, relation);
    END LOOP;
END;
$$;

CREATE OR REPLACE FUNCTION cmms.export_user_data(user_id uuid)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    person jsonb;
    has_password boolean;
    readable text;
    records jsonb := '{}'::jsonb;
    reference record;
    found jsonb;
BEGIN
    -- The user's row: the columns the caller may read, less credentials (which the reporting
    -- role may not read: 0091). Read from the catalog, so a column added later is exported.
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
    INTO readable
    FROM pg_catalog.pg_attribute AS a
    WHERE
        a.attrelid = 'cmms.users'::pg_catalog.regclass
        AND a.attnum > 0
        AND NOT a.attisdropped
        AND a.attname !~ '(^|_)(password|secret|token|credential)(_|$)|_hash$'
        AND pg_catalog.has_column_privilege('cmms.users'::pg_catalog.regclass, a.attnum, 'SELECT');
    EXECUTE pg_catalog.format(
        'SELECT pg_catalog.to_jsonb(u) FROM (SELECT %s FROM cmms.users'
        ' WHERE organization_id = cmms.current_org_id() AND id = $1) AS u',
        readable
    ) INTO person USING export_user_data.user_id;
    IF person IS NULL THEN
        RAISE EXCEPTION 'cmms.export_user_data: no user % in this organization', export_user_data.user_id
            USING ERRCODE = 'no_data_found';
    END IF;
    IF pg_catalog.has_column_privilege('cmms.users', 'password_hash', 'SELECT') THEN
        SELECT u.password_hash IS NOT NULL INTO has_password
        FROM cmms.users AS u
        WHERE u.organization_id = cmms.current_org_id() AND u.id = export_user_data.user_id;
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
        -- The columns the caller may read, less search vectors and credentials.
        SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
        INTO readable
        FROM pg_catalog.pg_attribute AS a
        WHERE
            a.attrelid = reference.tbl
            AND a.attnum > 0
            AND NOT a.attisdropped
            AND a.attname <> 'search_vector'
            AND a.attname !~ '(^|_)(password|secret|token|credential)(_|$)|_hash$'
            AND pg_catalog.has_column_privilege(reference.tbl, a.attnum, 'SELECT');
        EXECUTE pg_catalog.format(
            'SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(r) ORDER BY r.created_at, r.id)'
            ' FROM (SELECT %s FROM %s WHERE organization_id = cmms.current_org_id() AND %I = $1) AS r',
            readable, reference.tbl, reference.column_name
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
        'user', person - 'email_key' || pg_catalog.jsonb_build_object('has_password', has_password),
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
$function$;

COMMENT ON FUNCTION cmms.export_user_data(uuid) IS
'GDPR access: everything the tenant holds about one of its users, as JSON: the user row (password hash left out; '
'has_password NULL for a caller who may not read it), every row of every table that references the user (records: '
'{table: {column: [rows]}}, the columns the caller may read less credentials: sessions without token hashes, work '
'orders assigned or requested, comments, labor, signatures, notifications...), the work orders they created, and '
'the audit trail about them and by them. Raises no_data_found for a user of no or another tenant.';
