-- The roles cmms_archiver and cmms_maintainer stay (they belong to the cluster, other
-- databases may use them), and so does the archiver's membership in cmms_app; their
-- privileges and policies in this database go.
-- cmmsdb: allow multiple-existing-tables because the archiver has a policy and grants on
-- each table it moves rows of, and only policies and grants are removed.
SET LOCAL ROLE cmms_owner;

DROP POLICY part_transactions_archiver ON cmms.part_transactions;

REVOKE SELECT ON cmms.part_transactions FROM cmms_archiver;

DROP POLICY calendar_events_archiver ON cmms.calendar_events;

REVOKE SELECT ON cmms.calendar_events FROM cmms_archiver;

DROP POLICY work_requests_archiver ON cmms.work_requests;

REVOKE SELECT ON cmms.work_requests FROM cmms_archiver;

DROP POLICY attachments_archiver ON cmms_archive.attachments;

DROP POLICY attachments_archiver ON cmms.attachments;

REVOKE SELECT, INSERT, DELETE ON cmms.attachments, cmms_archive.attachments FROM cmms_archiver;

DROP POLICY work_order_parts_used_archiver ON cmms_archive.work_order_parts_used;

DROP POLICY work_order_parts_used_archiver ON cmms.work_order_parts_used;

REVOKE SELECT, INSERT, DELETE ON cmms.work_order_parts_used, cmms_archive.work_order_parts_used FROM cmms_archiver;

DROP POLICY labor_entries_archiver ON cmms_archive.labor_entries;

DROP POLICY labor_entries_archiver ON cmms.labor_entries;

REVOKE SELECT, INSERT, DELETE ON cmms.labor_entries, cmms_archive.labor_entries FROM cmms_archiver;

DROP POLICY comments_archiver ON cmms_archive.comments;

DROP POLICY comments_archiver ON cmms.comments;

REVOKE SELECT, INSERT, DELETE ON cmms.comments, cmms_archive.comments FROM cmms_archiver;

DROP POLICY checklist_signatures_archiver ON cmms_archive.checklist_signatures;

DROP POLICY checklist_signatures_archiver ON cmms.checklist_signatures;

REVOKE SELECT, INSERT, DELETE ON cmms.checklist_signatures, cmms_archive.checklist_signatures FROM cmms_archiver;

DROP POLICY checklist_items_archiver ON cmms_archive.checklist_items;

DROP POLICY checklist_items_archiver ON cmms.checklist_items;

REVOKE SELECT, INSERT, DELETE ON cmms.checklist_items, cmms_archive.checklist_items FROM cmms_archiver;

DROP POLICY checklists_archiver ON cmms_archive.checklists;

DROP POLICY checklists_archiver ON cmms.checklists;

REVOKE SELECT, INSERT, DELETE ON cmms.checklists, cmms_archive.checklists FROM cmms_archiver;

DROP POLICY maintenance_logs_archiver ON cmms_archive.maintenance_logs;

DROP POLICY maintenance_logs_archiver ON cmms.maintenance_logs;

REVOKE SELECT, INSERT, DELETE ON cmms.maintenance_logs, cmms_archive.maintenance_logs FROM cmms_archiver;

DROP POLICY work_order_assets_archiver ON cmms_archive.work_order_assets;

DROP POLICY work_order_assets_archiver ON cmms.work_order_assets;

REVOKE SELECT, INSERT, DELETE ON cmms.work_order_assets, cmms_archive.work_order_assets FROM cmms_archiver;

DROP POLICY work_orders_archiver ON cmms_archive.work_orders;

DROP POLICY work_orders_archiver ON cmms.work_orders;

REVOKE SELECT, INSERT, UPDATE, DELETE ON cmms.work_orders, cmms_archive.work_orders FROM cmms_archiver;

REVOKE EXECUTE ON FUNCTION cmms_archive.archive_filter(text) FROM cmms_archiver;

REVOKE EXECUTE ON FUNCTION cmms_archive.archive_columns(text) FROM cmms_archiver;

REVOKE USAGE ON SCHEMA cmms_archive FROM cmms_maintainer;

REVOKE USAGE ON SCHEMA cmms, cmms_archive FROM cmms_archiver;
