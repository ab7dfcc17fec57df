-- cmms_readonly reads users and user_sessions whole again (revoking the table privilege
-- revokes the column privileges too), and active_users shows password_hash, as 0004 and
-- 0008 made them.
SET LOCAL ROLE cmms_owner;

REVOKE SELECT ON cmms.users, cmms.user_sessions FROM cmms_readonly;
GRANT SELECT ON cmms.users, cmms.user_sessions TO cmms_readonly;

DROP VIEW cmms.active_users;

CREATE VIEW cmms.active_users WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.users
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_users IS
'Users that are not soft-deleted; runs with the privileges and row-level security of the caller.';

REVOKE ALL ON cmms.active_users FROM cmms_app, cmms_readonly;
GRANT SELECT ON cmms.active_users TO cmms_app, cmms_readonly;

CREATE OR REPLACE FUNCTION cmms.export_user_data(user_id uuid)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $function$
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
$function$;

COMMENT ON FUNCTION cmms.export_user_data(uuid) IS
'GDPR access: everything the tenant holds about one of its users, as JSON: the user row (password hash left out), '
'every row of every table that references the user (records: {table: {column: [rows]}}: sessions without token '
'hashes, work orders assigned or requested, comments, labor, signatures, notifications...), the work orders they '
'created, and the audit trail about them and by them. Raises no_data_found for a user of no or another tenant.';
