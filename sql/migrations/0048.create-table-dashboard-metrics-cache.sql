-- Dashboard metrics cache: precomputed values of the dashboard's metrics per organization
-- and dimensions, refreshed by a job, with row-level security and grants (scaffolded by
-- `cmmsdb new --template tenant-table`). No audit trigger (a cache is recomputed, not
-- edited) and no soft-delete view (stale rows are overwritten, not soft-deleted).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.dashboard_metrics_cache (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    metric text NOT NULL,
    dimensions jsonb NOT NULL DEFAULT '{}',
    value numeric NOT NULL,
    computed_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT dashboard_metrics_cache_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT dashboard_metrics_cache_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    -- Not partial: the refresh job upserts with ON CONFLICT (organization_id, metric, dimensions).
    CONSTRAINT dashboard_metrics_cache_organization_id_metric_dimensions_key
    UNIQUE (organization_id, metric, dimensions),
    CONSTRAINT dashboard_metrics_cache_metric_check CHECK (
        metric IN ('open_work_orders', 'overdue_work_orders', 'mean_time_to_repair_hours', 'pm_compliance_percent')
    ),
    CONSTRAINT dashboard_metrics_cache_dimensions_check CHECK (jsonb_typeof(dimensions) = 'object')
);

CREATE TRIGGER dashboard_metrics_cache_set_updated_at
BEFORE UPDATE ON cmms.dashboard_metrics_cache
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.dashboard_metrics_cache IS
'Precomputed dashboard metrics: one row per organization, metric and dimensions, overwritten on each refresh.';
COMMENT ON COLUMN cmms.dashboard_metrics_cache.metric IS
'What is measured: open_work_orders, overdue_work_orders (counts), mean_time_to_repair_hours (hours) '
'or pm_compliance_percent (0 to 100).';
COMMENT ON COLUMN cmms.dashboard_metrics_cache.dimensions IS
'JSON object of the breakdown the value is for (e.g. {"status": "open", "priority": "high"}); '
'the empty object is the organization-wide total.';
COMMENT ON COLUMN cmms.dashboard_metrics_cache.value IS
'Value of the metric for these dimensions, in the unit the metric names.';
COMMENT ON COLUMN cmms.dashboard_metrics_cache.computed_at IS
'When the value was computed: the age of the cached figure.';
COMMENT ON COLUMN cmms.dashboard_metrics_cache.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.dashboard_metrics_cache.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.dashboard_metrics_cache.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.dashboard_metrics_cache ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.dashboard_metrics_cache FORCE ROW LEVEL SECURITY;

CREATE POLICY dashboard_metrics_cache_select ON cmms.dashboard_metrics_cache
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY dashboard_metrics_cache_insert ON cmms.dashboard_metrics_cache
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY dashboard_metrics_cache_update ON cmms.dashboard_metrics_cache
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY dashboard_metrics_cache_delete ON cmms.dashboard_metrics_cache
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.dashboard_metrics_cache TO cmms_app;

GRANT SELECT ON cmms.dashboard_metrics_cache TO cmms_readonly;
