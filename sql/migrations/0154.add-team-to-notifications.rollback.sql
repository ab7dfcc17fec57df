-- Back to notifications to one user only. Notifications to a team or the whole organization
-- have no single recipient to keep: they are deleted (with their read marks, 0156, already
-- gone when this runs).
SET LOCAL ROLE cmms_owner;

DROP POLICY notifications_team_delete ON cmms.notifications;

DROP POLICY notifications_team_update ON cmms.notifications;

DROP POLICY notifications_team_select ON cmms.notifications;

DROP FUNCTION cmms.reads_team_notifications(uuid, uuid);

COMMENT ON COLUMN cmms.notifications.read_at IS
'When the user read (or dismissed) it; NULL while unread.';

COMMENT ON COLUMN cmms.notifications.user_id IS
'Recipient; the notification is deleted with that user.';

COMMENT ON TABLE cmms.notifications IS
'Messages to one user about something that happened (a work order assigned, stock low, a PM due...).';

DELETE FROM cmms.notifications WHERE user_id IS NULL;

DROP VIEW cmms.active_notifications;

-- cmmsdb: allow adding-not-nullable-field because a rollback restores the column as it was:
-- every row has a user (the others were deleted above), as before the forward migration

ALTER TABLE cmms.notifications
DROP CONSTRAINT notifications_audience_check,
DROP CONSTRAINT notifications_team_fkey,
DROP COLUMN team_id,
ALTER COLUMN user_id SET NOT NULL;

CREATE VIEW cmms.active_notifications WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.notifications
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_notifications IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_notifications FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_notifications TO cmms_app, cmms_readonly;
