-- Back to notifications to one user only. Notifications to a team or the whole organization
-- have no single recipient to keep: they are deleted (with their read marks, 0156, already
-- gone when this runs).
SET LOCAL ROLE cmms_owner;

ALTER POLICY notifications_delete ON cmms.notifications
USING (organization_id = (SELECT cmms.current_org_id()));

ALTER POLICY notifications_update ON cmms.notifications
USING (organization_id = (SELECT cmms.current_org_id()));

ALTER POLICY notifications_select ON cmms.notifications
USING (organization_id = (SELECT cmms.current_org_id()));

DROP FUNCTION cmms.reads_team_notifications(uuid, uuid);

COMMENT ON COLUMN cmms.notifications.read_at IS
'When the user read (or dismissed) it; NULL while unread.';

COMMENT ON COLUMN cmms.notifications.user_id IS
'Recipient; the notification is deleted with that user.';

COMMENT ON TABLE cmms.notifications IS
'Messages to one user about something that happened (a work order assigned, stock low, a PM due...).';

DELETE FROM cmms.notifications WHERE user_id IS NULL;

-- cmmsdb: allow adding-not-nullable-field because a rollback restores the column as it was:
-- every row has a user (the others were deleted above), as before the forward migration

ALTER TABLE cmms.notifications
DROP CONSTRAINT notifications_audience_check,
DROP CONSTRAINT notifications_team_fkey,
DROP COLUMN team_id,
ALTER COLUMN user_id SET NOT NULL;
