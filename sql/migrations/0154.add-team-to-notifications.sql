-- Notifications to a whole organization or a team, not only to one user (issue 16, item 4).
-- A notification now has one of three audiences: one user (user_id, as before), one team
-- (team_id) or the whole organization (neither). Recipients are resolved when read, not
-- fanned out: one row per message, whose readers are the team's members at the time they
-- read it (a member who joins later sees it, one who left no longer does) or every user of
-- the organization. Read state per user of those is cmms.notification_reads (0156); a
-- notification to one user keeps its read_at.
--
-- Row-level security: restrictive policies, on top of the unchanged tenant ones, make a
-- notification to a team visible (and updatable, deletable) only to its members when the
-- context names a user; a context without a user (a system job) still sees the whole
-- tenant, as everywhere. Notifications to one user stay visible to their tenant, as
-- before: cmms.export_user_data and cmms.erase_user read another user's.
--
-- The checks are added NOT VALID (no scan under this migration's lock); 0155 validates them
-- and builds the foreign key's index concurrently, outside a transaction.
SET LOCAL ROLE cmms_owner;

-- cmmsdb: allow ban-drop-not-null because a notification to a team or the organization has no
-- user; every reader of user_id (the functions, the seeder, export and erasure) handles NULL
ALTER TABLE cmms.notifications
ALTER COLUMN user_id DROP NOT NULL,
ADD COLUMN team_id uuid,
ADD CONSTRAINT notifications_team_fkey FOREIGN KEY (organization_id, team_id)
REFERENCES cmms.teams (organization_id, id) ON DELETE CASCADE NOT VALID,
ADD CONSTRAINT notifications_audience_check CHECK (user_id IS NULL OR team_id IS NULL) NOT VALID;

-- The soft-delete view gains the new column (appended, as in the table).
CREATE OR REPLACE VIEW cmms.active_notifications WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.notifications
WHERE deleted_at IS NULL;

COMMENT ON TABLE cmms.notifications IS
'Messages about something that happened (a work order assigned, stock low, a PM due, an announcement) to one '
'user (user_id), one team (team_id) or the whole organization (neither); read state of the last two per user '
'in notification_reads.';
COMMENT ON COLUMN cmms.notifications.user_id IS
'Recipient, when the notification is to one user; the notification is deleted with that user. NULL for a '
'team or the whole organization.';
COMMENT ON COLUMN cmms.notifications.team_id IS
'The team whose members receive it (resolved when read: its members then); deleted with the team. NULL for '
'one user or the whole organization (user_id NULL too).';
COMMENT ON COLUMN cmms.notifications.read_at IS
'When the user read (or dismissed) a notification to one user; NULL while unread, and always for a team or '
'the organization (read per user in notification_reads).';

CREATE FUNCTION cmms.reads_team_notifications(organization_id uuid, team_id uuid)
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT cmms.current_user_id() IS NULL OR EXISTS (
        SELECT FROM cmms.team_members AS m
        WHERE
            m.organization_id = reads_team_notifications.organization_id
            AND m.team_id = reads_team_notifications.team_id
            AND m.user_id = cmms.current_user_id()
            AND m.deleted_at IS NULL
    )
$$;

COMMENT ON FUNCTION cmms.reads_team_notifications(uuid, uuid) IS
'Whether the tenant context reads the notifications to this team: its user is a member now, or it names no user '
'(a system job). Used by the policies of notifications, for the rows to a team only.';

REVOKE ALL ON FUNCTION cmms.reads_team_notifications(uuid, uuid) FROM PUBLIC, cmms_app, cmms_readonly;

GRANT EXECUTE ON FUNCTION cmms.reads_team_notifications(uuid, uuid) TO cmms_app, cmms_readonly;

-- Restrictive: ANDed with the tenant policies (notifications_select...), which stay as they
-- are; only the rows to a team are narrowed. None for INSERT: anyone allowed to send may
-- send to a team without being a member (cmms.notify_team writes without RETURNING).
CREATE POLICY notifications_team_select ON cmms.notifications
AS RESTRICTIVE FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (team_id IS NULL OR cmms.reads_team_notifications(organization_id, team_id));

CREATE POLICY notifications_team_update ON cmms.notifications
AS RESTRICTIVE FOR UPDATE TO cmms_owner, cmms_app
USING (team_id IS NULL OR cmms.reads_team_notifications(organization_id, team_id));

CREATE POLICY notifications_team_delete ON cmms.notifications
AS RESTRICTIVE FOR DELETE TO cmms_owner, cmms_app
USING (team_id IS NULL OR cmms.reads_team_notifications(organization_id, team_id));
