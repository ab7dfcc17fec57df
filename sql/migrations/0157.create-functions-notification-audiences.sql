-- Notifications to a whole organization or a team, with per-user read state (issue 16,
-- item 4), as stored functions for the application (cmms_app, under row-level security):
--   cmms.notify_organization and cmms.notify_team send one (permission notification.send);
--   cmms.my_notifications lists the context user's own, their organization's and their
--   teams' notifications, each with that user's read_at; cmms.mark_notifications_read marks
--   some of them read for that user (permission notification.mark_read): read_at of a
--   notification to them, a notification_reads row of a notification to their organization
--   or one of their teams. The permission catalog gains the two permissions, held by every
--   role by default: every role could write notifications before (the table's grants).
SET LOCAL ROLE cmms_owner;

CREATE OR REPLACE VIEW cmms.permissions AS
SELECT
    p.name,
    p.description,
    p.default_roles::text[] AS default_roles
FROM (
    VALUES
    (
        'work_order.create',
        'Create work orders, from a template or not (create_work_order, apply_work_order_template).',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'work_order.transition',
        'Change a work order''s status (transition_work_order); closing and cancelling need more.',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'work_order.close',
        'Close a work order (transition_work_order to closed).',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'work_order.cancel',
        'Cancel a work order (transition_work_order to cancelled).',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'inventory.consume',
        'Issue stocked parts to a work order (consume_part).',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'purchase_order.receive',
        'Receive a purchase order into stock (receive_purchase_order).',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'pm.generate',
        'Generate the due preventive maintenance work orders (generate_pm_work_orders).',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'dashboard.refresh',
        'Recompute the dashboard figures (refresh_dashboard_metrics).',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'user.erase',
        'Erase a user''s personal data (erase_user).',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'notification.send',
        'Send a notification to the whole organization or to a team (notify_organization, notify_team).',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'notification.mark_read',
        'Mark one''s own notifications read (mark_notifications_read).',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'notification.read_all',
        'See which notifications every user of the organization has read (notification_reads), as a GDPR export '
        'of another user needs.',
        '{admin}'
    ),
    (
        'permission.manage',
        'Grant or revoke permissions of roles in the organization (set_role_permission).',
        '{admin}'
    )
) AS p (name, description, default_roles);

CREATE FUNCTION cmms.notification_reader()
RETURNS uuid
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org uuid := cmms.require_context();
    reader uuid := cmms.current_user_id();
BEGIN
    IF reader IS NULL OR NOT EXISTS (
        SELECT FROM cmms.users AS u WHERE u.organization_id = org AND u.id = reader AND u.deleted_at IS NULL
    ) THEN
        RAISE EXCEPTION 'the tenant context names no user of organization %: notifications are read per user', org
            USING ERRCODE = 'insufficient_privilege',
                HINT = 'call cmms.set_context(organization_id, user_id) with the signed-in user';
    END IF;
    RETURN reader;
END;
$$;

COMMENT ON FUNCTION cmms.notification_reader() IS
'The user of the tenant context, a live user of its organization, whose notifications are listed and marked; '
'raises insufficient_privilege (42501) without a context or without such a user.';

CREATE FUNCTION cmms.send_notification(
    team_id uuid, title text, body text, notification_type text, entity_type text, entity_id uuid
)
RETURNS uuid
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org uuid := cmms.require_context();
    made uuid := pg_catalog.gen_random_uuid();
BEGIN
    PERFORM cmms.require_permission('notification.send');
    IF send_notification.team_id IS NOT NULL AND NOT EXISTS (
        SELECT FROM cmms.teams AS t
        WHERE t.organization_id = org AND t.id = send_notification.team_id AND t.deleted_at IS NULL
    ) THEN
        RAISE EXCEPTION 'team % not found', send_notification.team_id
            USING ERRCODE = 'no_data_found';
    END IF;
    -- No RETURNING: a sender outside the team may send to it but not read it back.
    INSERT INTO cmms.notifications (
        organization_id, id, user_id, team_id, notification_type, title, body, entity_type, entity_id
    )
    VALUES (
        org, made, NULL, send_notification.team_id, coalesce(send_notification.notification_type, 'system'),
        send_notification.title, send_notification.body, send_notification.entity_type,
        send_notification.entity_id
    );
    RETURN made;
END;
$$;

COMMENT ON FUNCTION cmms.send_notification(uuid, text, text, text, text, uuid) IS
'The body of cmms.notify_organization (team_id NULL) and cmms.notify_team: checks notification.send and the '
'team, writes the notification, returns its id.';

CREATE FUNCTION cmms.notify_organization(
    title text,
    body text DEFAULT NULL,
    notification_type text DEFAULT 'system',
    entity_type text DEFAULT NULL,
    entity_id uuid DEFAULT NULL
)
RETURNS uuid
LANGUAGE sql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT cmms.send_notification(NULL, title, body, notification_type, entity_type, entity_id)
$$;

COMMENT ON FUNCTION cmms.notify_organization(text, text, text, text, uuid) IS
'Sends a notification to every user of the organization of the tenant context (one row, its readers resolved '
'when read) and returns its id. Needs notification.send (42501 otherwise); a blank or too long title, an '
'unknown notification_type or an entity_type without entity_id: 23514.';

CREATE FUNCTION cmms.notify_team(
    team_id uuid,
    title text,
    body text DEFAULT NULL,
    notification_type text DEFAULT 'system',
    entity_type text DEFAULT NULL,
    entity_id uuid DEFAULT NULL
)
RETURNS uuid
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF notify_team.team_id IS NULL THEN
        RAISE EXCEPTION 'cmms.notify_team: team_id is required'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'cmms.notify_organization notifies everyone';
    END IF;
    RETURN cmms.send_notification(
        notify_team.team_id, notify_team.title, notify_team.body, notify_team.notification_type,
        notify_team.entity_type, notify_team.entity_id
    );
END;
$$;

COMMENT ON FUNCTION cmms.notify_team(uuid, text, text, text, text, uuid) IS
'Sends a notification to the members of a team of the tenant context''s organization (its members when they '
'read it) and returns its id. Needs notification.send (42501); team_id NULL: 22004; a team that is not a '
'live team of the organization: no_data_found (P0002); a bad title or type: 23514.';

CREATE FUNCTION cmms.my_notifications(unread_only boolean DEFAULT FALSE, max_count integer DEFAULT 50)
RETURNS TABLE (
    id uuid,
    audience text,
    team_id uuid,
    notification_type text,
    channel text,
    title text,
    body text,
    entity_type text,
    entity_id uuid,
    created_at timestamptz,
    read_at timestamptz
)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org uuid := cmms.require_context();
    reader uuid := cmms.notification_reader();
BEGIN
    IF max_count IS NULL OR max_count NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'cmms.my_notifications: max_count must be between 1 and 1000, not %', max_count
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    SELECT
        n.id,
        CASE WHEN n.user_id IS NOT NULL THEN 'user' WHEN n.team_id IS NOT NULL THEN 'team' ELSE 'organization' END,
        n.team_id, n.notification_type, n.channel, n.title, n.body, n.entity_type, n.entity_id, n.created_at,
        coalesce(n.read_at, r.read_at)
    FROM cmms.notifications AS n
    LEFT JOIN cmms.notification_reads AS r
        ON r.organization_id = n.organization_id AND r.notification_id = n.id AND r.user_id = reader
            AND r.deleted_at IS NULL
    WHERE
        n.organization_id = org AND n.deleted_at IS NULL
        AND (
            n.user_id = reader
            OR (n.user_id IS NULL AND n.team_id IS NULL)
            OR n.team_id IN (
                SELECT m.team_id FROM cmms.team_members AS m
                WHERE m.organization_id = org AND m.user_id = reader AND m.deleted_at IS NULL
            )
        )
        AND NOT (unread_only AND coalesce(n.read_at, r.read_at) IS NOT NULL)
    ORDER BY n.created_at DESC, n.id
    LIMIT max_count;
END;
$$;

COMMENT ON FUNCTION cmms.my_notifications(boolean, integer) IS
'The notifications of the user of the tenant context, newest first (at most max_count, 1 to 1000): those to '
'them, to their organization and to the teams they are a member of now, each with its audience (user, team, '
'organization) and that user''s read_at (NULL: unread); unread_only leaves out the read ones. Without a context '
'or a live user in it: 42501.';

CREATE FUNCTION cmms.mark_notifications_read(notification_ids uuid[])
RETURNS integer
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org uuid := cmms.require_context();
    reader uuid := cmms.notification_reader();
    missing text;
    own integer;
    shared integer;
BEGIN
    PERFORM cmms.require_permission('notification.mark_read');
    IF notification_ids IS NULL OR pg_catalog.cardinality(notification_ids) = 0 THEN
        RAISE EXCEPTION 'cmms.mark_notifications_read: no notification ids'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT pg_catalog.string_agg(DISTINCT x.id::text, ', ') INTO missing
    FROM pg_catalog.unnest(notification_ids) AS x (id)
    WHERE NOT EXISTS (
        SELECT FROM cmms.notifications AS n
        WHERE n.organization_id = org AND n.id = x.id AND n.deleted_at IS NULL
            AND (n.user_id = reader OR (n.user_id IS NULL AND (
                n.team_id IS NULL OR cmms.reads_team_notifications(org, n.team_id)
            )))
    );
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'cmms.mark_notifications_read: notification % is not one of yours', missing
            USING ERRCODE = 'no_data_found',
                HINT = 'cmms.my_notifications lists the notifications of the user of the context';
    END IF;

    UPDATE cmms.notifications AS n
    SET read_at = pg_catalog.clock_timestamp()
    WHERE n.organization_id = org AND n.id = ANY (notification_ids) AND n.user_id = reader AND n.read_at IS NULL;
    GET DIAGNOSTICS own = ROW_COUNT;

    INSERT INTO cmms.notification_reads AS r (organization_id, notification_id, user_id)
    SELECT org, n.id, reader
    FROM cmms.notifications AS n
    WHERE n.organization_id = org AND n.id = ANY (notification_ids) AND n.user_id IS NULL
    ON CONFLICT ON CONSTRAINT notification_reads_organization_id_notification_id_user_id_key DO NOTHING;
    GET DIAGNOSTICS shared = ROW_COUNT;
    RETURN own + shared;
END;
$$;

COMMENT ON FUNCTION cmms.mark_notifications_read(uuid[]) IS
'Marks notifications read for the user of the tenant context and returns how many were unread: read_at of '
'those to them, a notification_reads row of those to their organization or one of their teams (marking again '
'changes nothing). Needs notification.mark_read (42501); an id that is not one of the user''s notifications: '
'no_data_found (P0002), nothing marked; no ids: 22023.';

REVOKE ALL ON FUNCTION cmms.notification_reader() FROM PUBLIC, cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.send_notification(uuid, text, text, text, text, uuid) FROM PUBLIC, cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.notify_organization(text, text, text, text, uuid) FROM PUBLIC, cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.notify_team(uuid, text, text, text, text, uuid) FROM PUBLIC, cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.my_notifications(boolean, integer) FROM PUBLIC, cmms_app, cmms_readonly;
REVOKE ALL ON FUNCTION cmms.mark_notifications_read(uuid[]) FROM PUBLIC, cmms_app, cmms_readonly;

GRANT EXECUTE ON FUNCTION cmms.notification_reader() TO cmms_app;
GRANT EXECUTE ON FUNCTION cmms.send_notification(uuid, text, text, text, text, uuid) TO cmms_app;
GRANT EXECUTE ON FUNCTION cmms.notify_organization(text, text, text, text, uuid) TO cmms_app;
GRANT EXECUTE ON FUNCTION cmms.notify_team(uuid, text, text, text, text, uuid) TO cmms_app;
GRANT EXECUTE ON FUNCTION cmms.my_notifications(boolean, integer) TO cmms_app;
GRANT EXECUTE ON FUNCTION cmms.mark_notifications_read(uuid[]) TO cmms_app;
