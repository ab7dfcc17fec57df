-- Work order assets: which assets a work order is about (a job may cover several assets,
-- an asset has a history of many jobs), with row-level security, grants, audit trigger and
-- soft-delete view (scaffolded by `cmmsdb new --template tenant-table`).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.work_order_assets (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    work_order_id uuid NOT NULL,
    asset_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT work_order_assets_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT work_order_assets_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT work_order_assets_work_order_fkey FOREIGN KEY (organization_id, work_order_id)
    REFERENCES cmms.work_orders (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT work_order_assets_asset_fkey FOREIGN KEY (organization_id, asset_id)
    REFERENCES cmms.assets (organization_id, id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX work_order_assets_organization_id_work_order_id_asset_id_key
ON cmms.work_order_assets (organization_id, work_order_id, asset_id)
WHERE deleted_at IS NULL;

-- Not partial, unlike the unique index: the cascade from a deleted work order must also
-- find the soft-deleted links.
CREATE INDEX work_order_assets_organization_id_work_order_id_idx
ON cmms.work_order_assets (organization_id, work_order_id);

-- The work history of an asset, and the cascade from a deleted asset.
CREATE INDEX work_order_assets_organization_id_asset_id_idx
ON cmms.work_order_assets (organization_id, asset_id);

CREATE TRIGGER work_order_assets_set_updated_at
BEFORE UPDATE ON cmms.work_order_assets
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.work_order_assets IS
'Assets a work order is about: one live row per work order and asset; the rows of an asset are its work history.';
COMMENT ON COLUMN cmms.work_order_assets.work_order_id IS
'The work order; deleting it deletes the link.';
COMMENT ON COLUMN cmms.work_order_assets.asset_id IS
'The asset worked on; deleting it deletes the link.';
COMMENT ON COLUMN cmms.work_order_assets.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.work_order_assets.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.work_order_assets.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.work_order_assets ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.work_order_assets FORCE ROW LEVEL SECURITY;

CREATE POLICY work_order_assets_select ON cmms.work_order_assets
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY work_order_assets_insert ON cmms.work_order_assets
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY work_order_assets_update ON cmms.work_order_assets
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY work_order_assets_delete ON cmms.work_order_assets
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.work_order_assets TO cmms_app;

GRANT SELECT ON cmms.work_order_assets TO cmms_readonly;

CREATE TRIGGER work_order_assets_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.work_order_assets
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_work_order_assets WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.work_order_assets
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_work_order_assets IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_work_order_assets FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_work_order_assets TO cmms_app, cmms_readonly;
