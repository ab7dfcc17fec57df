-- The roles that let a non-superuser maintenance login archive and restore work orders
-- (cmmsdb archive, cmmsdb restore; issue 16, item 5). Until now the functions of 0131 ran
-- only as a superuser or a BYPASSRLS role: every tenant table forces row-level security.
--   cmms_archiver    NOLOGIN, NOBYPASSRLS, nobody is a member of it: a definer owner
--                    (conventions.toml). It owns the SECURITY DEFINER archiving functions
--                    (0160) and is the only role with policies that let every row of the
--                    moved tables through (it moves every tenant's rows); it is a member of
--                    cmms_app so that, on a restore, the live tables' insert triggers (rules,
--                    required custom fields, work order numbers) see the restored tenant's
--                    rows under the tenant context the restore sets, as for the application.
--   cmms_maintainer  NOLOGIN, NOBYPASSRLS: the role a DBA grants to a maintenance login
--                    (GRANT cmms_maintainer TO maint). EXECUTE on the archiving functions
--                    (0160) and USAGE on cmms_archive, nothing else: it reads no tenant row
--                    itself and cannot become cmms_archiver.
-- The roles belong to the cluster, and so does the membership: created only when missing,
-- and the rollback leaves them (other databases of the cluster may use them).
-- cmmsdb: allow multiple-existing-tables because the archiver needs a policy and grants on
-- each table it moves rows of, and only policies and grants are added (no rewrite, no long lock).

-- As the login role: creating a role takes CREATEROLE, which cmms_owner has not.
RESET ROLE;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'cmms_archiver') THEN
        CREATE ROLE cmms_archiver NOLOGIN NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'cmms_maintainer') THEN
        CREATE ROLE cmms_maintainer NOLOGIN NOBYPASSRLS;
    END IF;
    IF NOT pg_catalog.pg_has_role('cmms_archiver', 'cmms_app', 'MEMBER') THEN
        GRANT cmms_app TO cmms_archiver;
    END IF;
END;
$$;

SET LOCAL ROLE cmms_owner;

GRANT USAGE ON SCHEMA cmms, cmms_archive TO cmms_archiver;

GRANT USAGE ON SCHEMA cmms_archive TO cmms_maintainer;

GRANT EXECUTE ON FUNCTION cmms_archive.archive_columns(text) TO cmms_archiver;

GRANT EXECUTE ON FUNCTION cmms_archive.archive_filter(text) TO cmms_archiver;

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.work_orders, cmms_archive.work_orders TO cmms_archiver;

CREATE POLICY work_orders_archiver ON cmms.work_orders
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY work_orders_archiver ON cmms.work_orders IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

CREATE POLICY work_orders_archiver ON cmms_archive.work_orders
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY work_orders_archiver ON cmms_archive.work_orders IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

GRANT SELECT, INSERT, DELETE ON cmms.work_order_assets, cmms_archive.work_order_assets TO cmms_archiver;

CREATE POLICY work_order_assets_archiver ON cmms.work_order_assets
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY work_order_assets_archiver ON cmms.work_order_assets IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

CREATE POLICY work_order_assets_archiver ON cmms_archive.work_order_assets
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY work_order_assets_archiver ON cmms_archive.work_order_assets IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

GRANT SELECT, INSERT, DELETE ON cmms.maintenance_logs, cmms_archive.maintenance_logs TO cmms_archiver;

CREATE POLICY maintenance_logs_archiver ON cmms.maintenance_logs
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY maintenance_logs_archiver ON cmms.maintenance_logs IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

CREATE POLICY maintenance_logs_archiver ON cmms_archive.maintenance_logs
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY maintenance_logs_archiver ON cmms_archive.maintenance_logs IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

GRANT SELECT, INSERT, DELETE ON cmms.checklists, cmms_archive.checklists TO cmms_archiver;

CREATE POLICY checklists_archiver ON cmms.checklists
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY checklists_archiver ON cmms.checklists IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

CREATE POLICY checklists_archiver ON cmms_archive.checklists
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY checklists_archiver ON cmms_archive.checklists IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

GRANT SELECT, INSERT, DELETE ON cmms.checklist_items, cmms_archive.checklist_items TO cmms_archiver;

CREATE POLICY checklist_items_archiver ON cmms.checklist_items
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY checklist_items_archiver ON cmms.checklist_items IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

CREATE POLICY checklist_items_archiver ON cmms_archive.checklist_items
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY checklist_items_archiver ON cmms_archive.checklist_items IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

GRANT SELECT, INSERT, DELETE ON cmms.checklist_signatures, cmms_archive.checklist_signatures TO cmms_archiver;

CREATE POLICY checklist_signatures_archiver ON cmms.checklist_signatures
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY checklist_signatures_archiver ON cmms.checklist_signatures IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

CREATE POLICY checklist_signatures_archiver ON cmms_archive.checklist_signatures
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY checklist_signatures_archiver ON cmms_archive.checklist_signatures IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

GRANT SELECT, INSERT, DELETE ON cmms.comments, cmms_archive.comments TO cmms_archiver;

CREATE POLICY comments_archiver ON cmms.comments
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY comments_archiver ON cmms.comments IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

CREATE POLICY comments_archiver ON cmms_archive.comments
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY comments_archiver ON cmms_archive.comments IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

GRANT SELECT, INSERT, DELETE ON cmms.labor_entries, cmms_archive.labor_entries TO cmms_archiver;

CREATE POLICY labor_entries_archiver ON cmms.labor_entries
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY labor_entries_archiver ON cmms.labor_entries IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

CREATE POLICY labor_entries_archiver ON cmms_archive.labor_entries
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY labor_entries_archiver ON cmms_archive.labor_entries IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

GRANT SELECT, INSERT, DELETE ON cmms.work_order_parts_used, cmms_archive.work_order_parts_used TO cmms_archiver;

CREATE POLICY work_order_parts_used_archiver ON cmms.work_order_parts_used
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY work_order_parts_used_archiver ON cmms.work_order_parts_used IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

CREATE POLICY work_order_parts_used_archiver ON cmms_archive.work_order_parts_used
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY work_order_parts_used_archiver ON cmms_archive.work_order_parts_used IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

GRANT SELECT, INSERT, DELETE ON cmms.attachments, cmms_archive.attachments TO cmms_archiver;

CREATE POLICY attachments_archiver ON cmms.attachments
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY attachments_archiver ON cmms.attachments IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

CREATE POLICY attachments_archiver ON cmms_archive.attachments
FOR ALL TO cmms_archiver
USING (TRUE) WITH CHECK (TRUE);

COMMENT ON POLICY attachments_archiver ON cmms_archive.attachments IS
'cmms_archiver moves every tenant''s rows to and from cmms_archive: its only use is the SECURITY DEFINER '
'archiving functions, which pick the rows themselves.';

GRANT SELECT ON cmms.work_requests TO cmms_archiver;

CREATE POLICY work_requests_archiver ON cmms.work_requests
FOR SELECT TO cmms_archiver
USING (TRUE);

COMMENT ON POLICY work_requests_archiver ON cmms.work_requests IS
'cmms_archiver checks that no work requests row points at a work order it archives (they stay live).';

GRANT SELECT ON cmms.calendar_events TO cmms_archiver;

CREATE POLICY calendar_events_archiver ON cmms.calendar_events
FOR SELECT TO cmms_archiver
USING (TRUE);

COMMENT ON POLICY calendar_events_archiver ON cmms.calendar_events IS
'cmms_archiver checks that no calendar events row points at a work order it archives (they stay live).';

GRANT SELECT ON cmms.part_transactions TO cmms_archiver;

CREATE POLICY part_transactions_archiver ON cmms.part_transactions
FOR SELECT TO cmms_archiver
USING (TRUE);

COMMENT ON POLICY part_transactions_archiver ON cmms.part_transactions IS
'cmms_archiver checks that no part transactions row points at a work order it archives (they stay live).';
