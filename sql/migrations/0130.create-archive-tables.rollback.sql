-- Drop the archive tables of 0130 (and whatever they hold: restore first).
SET LOCAL ROLE cmms_owner;

DROP TABLE cmms_archive.attachments;

DROP TABLE cmms_archive.work_order_parts_used;

DROP TABLE cmms_archive.labor_entries;

DROP TABLE cmms_archive.comments;

DROP TABLE cmms_archive.checklist_signatures;

DROP TABLE cmms_archive.checklist_items;

DROP TABLE cmms_archive.checklists;

DROP TABLE cmms_archive.maintenance_logs;

DROP TABLE cmms_archive.work_order_assets;

DROP TABLE cmms_archive.work_orders;

REVOKE USAGE ON SCHEMA cmms_archive FROM cmms_app, cmms_readonly;
