-- Archive tables for `cmmsdb archive` (issue 16, item 5): closed and cancelled work orders
-- older than a given age move here with everything that hangs off them. Each table mirrors
-- its live table in cmms column for column (LIKE: same names, types, order, NOT NULL; a
-- generated column becomes a plain one; no defaults, checks or foreign keys: rows only
-- ever arrive from the live table). Readable under the same tenant isolation (RLS enabled
-- and forced, a SELECT policy comparing organization_id with the context); written only by
-- cmms_archive.archive_work_orders and restore_work_orders, run by a role that bypasses RLS.
SET LOCAL ROLE cmms_owner;

GRANT USAGE ON SCHEMA cmms_archive TO cmms_app, cmms_readonly;

CREATE TABLE cmms_archive.work_orders (LIKE cmms.work_orders INCLUDING COMMENTS);

ALTER TABLE cmms_archive.work_orders
ADD CONSTRAINT work_orders_pkey PRIMARY KEY (organization_id, id);

COMMENT ON TABLE cmms_archive.work_orders IS
'Rows of cmms.work_orders moved out of the live table by cmmsdb archive; same columns; restore with '
'cmms_archive.restore_work_orders.';

ALTER TABLE cmms_archive.work_orders ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms_archive.work_orders FORCE ROW LEVEL SECURITY;

CREATE POLICY work_orders_select ON cmms_archive.work_orders
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT ON cmms_archive.work_orders TO cmms_app, cmms_readonly;

CREATE TABLE cmms_archive.work_order_assets (LIKE cmms.work_order_assets INCLUDING COMMENTS);

ALTER TABLE cmms_archive.work_order_assets
ADD CONSTRAINT work_order_assets_pkey PRIMARY KEY (organization_id, id);

CREATE INDEX work_order_assets_organization_id_work_order_id_idx
ON cmms_archive.work_order_assets (organization_id, work_order_id);

COMMENT ON TABLE cmms_archive.work_order_assets IS
'Rows of cmms.work_order_assets moved out of the live table by cmmsdb archive; same columns; restore '
'with cmms_archive.restore_work_orders.';

ALTER TABLE cmms_archive.work_order_assets ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms_archive.work_order_assets FORCE ROW LEVEL SECURITY;

CREATE POLICY work_order_assets_select ON cmms_archive.work_order_assets
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT ON cmms_archive.work_order_assets TO cmms_app, cmms_readonly;

CREATE TABLE cmms_archive.maintenance_logs (LIKE cmms.maintenance_logs INCLUDING COMMENTS);

ALTER TABLE cmms_archive.maintenance_logs
ADD CONSTRAINT maintenance_logs_pkey PRIMARY KEY (organization_id, id);

CREATE INDEX maintenance_logs_organization_id_work_order_id_idx
ON cmms_archive.maintenance_logs (organization_id, work_order_id);

COMMENT ON TABLE cmms_archive.maintenance_logs IS
'Rows of cmms.maintenance_logs moved out of the live table by cmmsdb archive; same columns; restore '
'with cmms_archive.restore_work_orders.';

ALTER TABLE cmms_archive.maintenance_logs ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms_archive.maintenance_logs FORCE ROW LEVEL SECURITY;

CREATE POLICY maintenance_logs_select ON cmms_archive.maintenance_logs
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT ON cmms_archive.maintenance_logs TO cmms_app, cmms_readonly;

CREATE TABLE cmms_archive.checklists (LIKE cmms.checklists INCLUDING COMMENTS);

ALTER TABLE cmms_archive.checklists
ADD CONSTRAINT checklists_pkey PRIMARY KEY (organization_id, id);

CREATE INDEX checklists_organization_id_work_order_id_idx
ON cmms_archive.checklists (organization_id, work_order_id);

COMMENT ON TABLE cmms_archive.checklists IS
'Rows of cmms.checklists moved out of the live table by cmmsdb archive; same columns; restore with '
'cmms_archive.restore_work_orders.';

ALTER TABLE cmms_archive.checklists ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms_archive.checklists FORCE ROW LEVEL SECURITY;

CREATE POLICY checklists_select ON cmms_archive.checklists
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT ON cmms_archive.checklists TO cmms_app, cmms_readonly;

CREATE TABLE cmms_archive.checklist_items (LIKE cmms.checklist_items INCLUDING COMMENTS);

ALTER TABLE cmms_archive.checklist_items
ADD CONSTRAINT checklist_items_pkey PRIMARY KEY (organization_id, id);

CREATE INDEX checklist_items_organization_id_checklist_id_idx
ON cmms_archive.checklist_items (organization_id, checklist_id);

COMMENT ON TABLE cmms_archive.checklist_items IS
'Rows of cmms.checklist_items moved out of the live table by cmmsdb archive; same columns; restore '
'with cmms_archive.restore_work_orders.';

ALTER TABLE cmms_archive.checklist_items ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms_archive.checklist_items FORCE ROW LEVEL SECURITY;

CREATE POLICY checklist_items_select ON cmms_archive.checklist_items
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT ON cmms_archive.checklist_items TO cmms_app, cmms_readonly;

CREATE TABLE cmms_archive.checklist_signatures (LIKE cmms.checklist_signatures INCLUDING COMMENTS);

ALTER TABLE cmms_archive.checklist_signatures
ADD CONSTRAINT checklist_signatures_pkey PRIMARY KEY (organization_id, id);

CREATE INDEX checklist_signatures_organization_id_checklist_id_idx
ON cmms_archive.checklist_signatures (organization_id, checklist_id);

COMMENT ON TABLE cmms_archive.checklist_signatures IS
'Rows of cmms.checklist_signatures moved out of the live table by cmmsdb archive; same columns; '
'restore with cmms_archive.restore_work_orders.';

ALTER TABLE cmms_archive.checklist_signatures ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms_archive.checklist_signatures FORCE ROW LEVEL SECURITY;

CREATE POLICY checklist_signatures_select ON cmms_archive.checklist_signatures
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT ON cmms_archive.checklist_signatures TO cmms_app, cmms_readonly;

CREATE TABLE cmms_archive.comments (LIKE cmms.comments INCLUDING COMMENTS);

ALTER TABLE cmms_archive.comments
ADD CONSTRAINT comments_pkey PRIMARY KEY (organization_id, id);

CREATE INDEX comments_organization_id_work_order_id_idx
ON cmms_archive.comments (organization_id, work_order_id);

COMMENT ON TABLE cmms_archive.comments IS
'Rows of cmms.comments moved out of the live table by cmmsdb archive; same columns; restore with '
'cmms_archive.restore_work_orders.';

ALTER TABLE cmms_archive.comments ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms_archive.comments FORCE ROW LEVEL SECURITY;

CREATE POLICY comments_select ON cmms_archive.comments
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT ON cmms_archive.comments TO cmms_app, cmms_readonly;

CREATE TABLE cmms_archive.labor_entries (LIKE cmms.labor_entries INCLUDING COMMENTS);

ALTER TABLE cmms_archive.labor_entries
ADD CONSTRAINT labor_entries_pkey PRIMARY KEY (organization_id, id);

CREATE INDEX labor_entries_organization_id_work_order_id_idx
ON cmms_archive.labor_entries (organization_id, work_order_id);

COMMENT ON TABLE cmms_archive.labor_entries IS
'Rows of cmms.labor_entries moved out of the live table by cmmsdb archive; same columns; restore with'
' cmms_archive.restore_work_orders.';

ALTER TABLE cmms_archive.labor_entries ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms_archive.labor_entries FORCE ROW LEVEL SECURITY;

CREATE POLICY labor_entries_select ON cmms_archive.labor_entries
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT ON cmms_archive.labor_entries TO cmms_app, cmms_readonly;

CREATE TABLE cmms_archive.work_order_parts_used (LIKE cmms.work_order_parts_used INCLUDING COMMENTS);

ALTER TABLE cmms_archive.work_order_parts_used
ADD CONSTRAINT work_order_parts_used_pkey PRIMARY KEY (organization_id, id);

CREATE INDEX work_order_parts_used_organization_id_work_order_id_idx
ON cmms_archive.work_order_parts_used (organization_id, work_order_id);

COMMENT ON TABLE cmms_archive.work_order_parts_used IS
'Rows of cmms.work_order_parts_used moved out of the live table by cmmsdb archive; same columns; '
'restore with cmms_archive.restore_work_orders.';

ALTER TABLE cmms_archive.work_order_parts_used ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms_archive.work_order_parts_used FORCE ROW LEVEL SECURITY;

CREATE POLICY work_order_parts_used_select ON cmms_archive.work_order_parts_used
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT ON cmms_archive.work_order_parts_used TO cmms_app, cmms_readonly;

CREATE TABLE cmms_archive.attachments (LIKE cmms.attachments INCLUDING COMMENTS);

ALTER TABLE cmms_archive.attachments
ADD CONSTRAINT attachments_pkey PRIMARY KEY (organization_id, id);

CREATE INDEX attachments_organization_id_entity_id_idx
ON cmms_archive.attachments (organization_id, entity_id);

COMMENT ON TABLE cmms_archive.attachments IS
'Metadata of files attached to archived work orders (the files stay in storage) moved out of the live'
' table by cmmsdb archive; same columns; restore with cmms_archive.restore_work_orders.';

ALTER TABLE cmms_archive.attachments ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms_archive.attachments FORCE ROW LEVEL SECURITY;

CREATE POLICY attachments_select ON cmms_archive.attachments
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT ON cmms_archive.attachments TO cmms_app, cmms_readonly;
