-- Notifications: messages to one user (in the application, by email or push) about work
-- orders, stock, preventive maintenance or mentions, with row-level security, grants and
-- soft-delete view (scaffolded by `cmmsdb new --template tenant-table`). No audit trigger:
-- notifications are written by the system in volume and marking them read is not an
-- auditable change.
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.notifications (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    notification_type text NOT NULL,
    channel text NOT NULL DEFAULT 'in_app',
    title text NOT NULL,
    body text,
    entity_type text,
    entity_id uuid,
    read_at timestamptz,
    sent_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT notifications_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT notifications_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT notifications_user_fkey FOREIGN KEY (organization_id, user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT notifications_notification_type_check CHECK (
        notification_type IN (
            'work_order_assigned', 'work_order_status_changed', 'work_order_comment', 'work_order_overdue',
            'part_below_reorder_point', 'pm_due', 'mention', 'system'
        )
    ),
    CONSTRAINT notifications_channel_check CHECK (channel IN ('in_app', 'email', 'push')),
    CONSTRAINT notifications_title_check CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    CONSTRAINT notifications_entity_type_check CHECK (
        entity_type IN (
            'work_order', 'work_request', 'asset', 'location', 'part', 'purchase_order', 'vendor',
            'contractor', 'pm_schedule', 'checklist', 'comment', 'user', 'team', 'meter'
        )
    ),
    CONSTRAINT notifications_entity_check CHECK ((entity_type IS NULL) = (entity_id IS NULL))
);

CREATE INDEX notifications_organization_id_user_id_idx
ON cmms.notifications (organization_id, user_id);

-- A user's unread notifications, newest first.
CREATE INDEX notifications_organization_id_user_id_created_at_idx
ON cmms.notifications (organization_id, user_id, created_at DESC)
WHERE read_at IS NULL AND deleted_at IS NULL;

CREATE TRIGGER notifications_set_updated_at
BEFORE UPDATE ON cmms.notifications
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.notifications IS
'Messages to one user about something that happened (a work order assigned, stock low, a PM due...).';
COMMENT ON COLUMN cmms.notifications.user_id IS
'Recipient; the notification is deleted with that user.';
COMMENT ON COLUMN cmms.notifications.notification_type IS
'What happened: work_order_assigned, work_order_status_changed, work_order_comment, work_order_overdue, '
'part_below_reorder_point, pm_due, mention or system.';
COMMENT ON COLUMN cmms.notifications.channel IS
'How it reaches the user: in_app (the notification list), email or push.';
COMMENT ON COLUMN cmms.notifications.title IS
'Short text shown in the list, the email subject or the push title.';
COMMENT ON COLUMN cmms.notifications.body IS
'Longer text of the message; NULL when the title says it all.';
COMMENT ON COLUMN cmms.notifications.entity_type IS
'Kind of the record the notification is about, which names its table (work_order: cmms.work_orders...); '
'NULL, with entity_id, when it is about no record.';
COMMENT ON COLUMN cmms.notifications.entity_id IS
'id of the record in the table of entity_type, same organization. Polymorphic: no foreign key '
'(the record may be gone by the time the notification is read); set exactly when entity_type is.';
COMMENT ON COLUMN cmms.notifications.read_at IS
'When the user read (or dismissed) it; NULL while unread.';
COMMENT ON COLUMN cmms.notifications.sent_at IS
'When it was delivered on its channel (email or push sent, in_app shown); NULL while pending.';
COMMENT ON COLUMN cmms.notifications.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.notifications.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.notifications.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.notifications ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.notifications FORCE ROW LEVEL SECURITY;

CREATE POLICY notifications_select ON cmms.notifications
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY notifications_insert ON cmms.notifications
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY notifications_update ON cmms.notifications
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY notifications_delete ON cmms.notifications
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.notifications TO cmms_app;

GRANT SELECT ON cmms.notifications TO cmms_readonly;

CREATE VIEW cmms.active_notifications WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.notifications
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_notifications IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_notifications FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_notifications TO cmms_app, cmms_readonly;
