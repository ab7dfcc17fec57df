-- Notification reads: which user has read which notification to a team or to the whole
-- organization (issue 16, item 4), one row per user and notification, written by
-- cmms.mark_notifications_read (0157). A notification to one user keeps its own read_at.
-- Row-level security: a context naming a user sees and writes only that user's reads (an
-- administrator answering a GDPR request sees them all); a context without a user (a system
-- job) the tenant's, as the other tables. No audit trigger:
-- marking a message read is not an auditable change (notifications are not audited either).
SET LOCAL ROLE cmms_owner;

-- cmmsdb: allow tenant-table-audit because read marks are not a business record (conventions.toml:
-- exceptions.not-audited), like the notifications they mark
CREATE TABLE cmms.notification_reads (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    notification_id uuid NOT NULL,
    user_id uuid NOT NULL,
    read_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT notification_reads_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT notification_reads_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT notification_reads_notification_fkey FOREIGN KEY (organization_id, notification_id)
    REFERENCES cmms.notifications (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT notification_reads_user_fkey FOREIGN KEY (organization_id, user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT notification_reads_organization_id_notification_id_user_id_key
    UNIQUE (organization_id, notification_id, user_id)
);

CREATE INDEX notification_reads_organization_id_user_id_idx
ON cmms.notification_reads (organization_id, user_id);

CREATE TRIGGER notification_reads_set_updated_at
BEFORE UPDATE ON cmms.notification_reads
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.notification_reads IS
'Read state per user of the notifications to a team or to the whole organization: one row per user who read '
'one (cmms.mark_notifications_read). A notification to one user has its own read_at instead.';
COMMENT ON COLUMN cmms.notification_reads.notification_id IS
'The notification read (to a team or the organization); the row is deleted with it.';
COMMENT ON COLUMN cmms.notification_reads.user_id IS
'The user who read it; the row is deleted with that user.';
COMMENT ON COLUMN cmms.notification_reads.read_at IS
'When the user read (or dismissed) it.';
COMMENT ON COLUMN cmms.notification_reads.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.notification_reads.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.notification_reads.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.notification_reads ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.notification_reads FORCE ROW LEVEL SECURITY;

CREATE POLICY notification_reads_select ON cmms.notification_reads
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY notification_reads_insert ON cmms.notification_reads
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY notification_reads_update ON cmms.notification_reads
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY notification_reads_delete ON cmms.notification_reads
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

-- Restrictive, ANDed with the tenant policies above: a context naming a user writes only
-- that user's marks, and reads only them unless the user holds notification.read_all (0157;
-- administrators by default): cmms.export_user_data runs as its caller and must find
-- another user's marks.
CREATE POLICY notification_reads_own_select ON cmms.notification_reads
AS RESTRICTIVE FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (
    (SELECT cmms.current_user_id()) IS NULL
    OR user_id = (SELECT cmms.current_user_id())
    OR (SELECT cmms.has_permission('notification.read_all'))
);

CREATE POLICY notification_reads_own_insert ON cmms.notification_reads
AS RESTRICTIVE FOR INSERT TO cmms_owner, cmms_app
WITH CHECK ((SELECT cmms.current_user_id()) IS NULL OR user_id = (SELECT cmms.current_user_id()));

CREATE POLICY notification_reads_own_update ON cmms.notification_reads
AS RESTRICTIVE FOR UPDATE TO cmms_owner, cmms_app
USING ((SELECT cmms.current_user_id()) IS NULL OR user_id = (SELECT cmms.current_user_id()));

CREATE POLICY notification_reads_own_delete ON cmms.notification_reads
AS RESTRICTIVE FOR DELETE TO cmms_owner, cmms_app
USING ((SELECT cmms.current_user_id()) IS NULL OR user_id = (SELECT cmms.current_user_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.notification_reads TO cmms_app;

GRANT SELECT ON cmms.notification_reads TO cmms_readonly;

CREATE VIEW cmms.active_notification_reads WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.notification_reads
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_notification_reads IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_notification_reads FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_notification_reads TO cmms_app, cmms_readonly;
