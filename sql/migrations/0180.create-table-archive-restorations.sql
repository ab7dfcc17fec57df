-- Restorations (issue 16, item 5): which work orders `cmmsdb restore` moved back out of the
-- archive, and when. A restored work order is still closed and old: without this record the
-- next `cmmsdb archive` run would archive it again. cmms_archive.restore_work_orders (0181)
-- writes one row per restored work order (a later restore moves restored_at forward);
-- cmms_archive.archive_work_orders (0181) skips a work order restored at or after its
-- cut-off: a restore counts as the work order's finish, and it stays live a full period.
-- Only the definer owner cmms_archiver reads or writes it (row-level security forced, its
-- policy the only one; no grant to the application's roles: verify rule archive-rls).
SET LOCAL ROLE cmms_owner;

-- cmmsdb: allow tenant-table-audit because it is archiving's bookkeeping, written only by its definer
-- functions, like the archive tables (which have no audit trigger either)
CREATE TABLE cmms_archive.restorations (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    work_order_id uuid NOT NULL,
    restored_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT restorations_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT restorations_organization_id_work_order_id_key
    UNIQUE (organization_id, work_order_id)
);

COMMENT ON TABLE cmms_archive.restorations IS
'Work orders that cmms_archive.restore_work_orders moved back into cmms, with the time of the last '
'restore: cmms_archive.archive_work_orders leaves them live while that time is at or after its cut-off.';
COMMENT ON COLUMN cmms_archive.restorations.work_order_id IS
'The restored work order (cmms.work_orders, or cmms_archive.work_orders once archived again); no foreign '
'key: the row outlives both moves.';
COMMENT ON COLUMN cmms_archive.restorations.restored_at IS
'When it was last restored (the restoring transaction''s start); archiving treats it as the work order''s '
'finish.';

ALTER TABLE cmms_archive.restorations ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms_archive.restorations FORCE ROW LEVEL SECURITY;

REVOKE ALL ON cmms_archive.restorations FROM PUBLIC;

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms_archive.restorations TO cmms_archiver;

CREATE POLICY restorations_archiver ON cmms_archive.restorations
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY restorations_archiver ON cmms_archive.restorations IS
'cmms_archiver records and reads every tenant''s restorations: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';
