-- Rules engine: an organization's automation rules, one row per rule (when this event
-- happens and this condition holds, do this action), with row-level security, grants,
-- audit trigger and soft-delete view (scaffolded by `cmmsdb new --template tenant-table`).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.rules_engine (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL,
    event text NOT NULL,
    condition jsonb NOT NULL DEFAULT '{}',
    action_type text NOT NULL,
    action_params jsonb NOT NULL DEFAULT '{}',
    enabled boolean NOT NULL DEFAULT TRUE,
    position integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT rules_engine_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT rules_engine_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT rules_engine_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT rules_engine_event_check CHECK (
        event IN (
            'work_order.created', 'work_order.status_changed', 'work_order.assigned', 'work_order.overdue',
            'part.below_reorder_point', 'meter.reading_recorded'
        )
    ),
    CONSTRAINT rules_engine_condition_check CHECK (jsonb_typeof(condition) = 'object'),
    CONSTRAINT rules_engine_action_type_check CHECK (
        action_type IN ('notify_user', 'notify_team', 'set_priority', 'assign_user', 'assign_team')
    ),
    CONSTRAINT rules_engine_action_params_check CHECK (jsonb_typeof(action_params) = 'object')
);

-- The rules to run when an event happens, in evaluation order.
CREATE INDEX rules_engine_organization_id_event_position_idx
ON cmms.rules_engine (organization_id, event, position)
WHERE enabled AND deleted_at IS NULL;

CREATE TRIGGER rules_engine_set_updated_at
BEFORE UPDATE ON cmms.rules_engine
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.rules_engine IS
'Automation rules of an organization, one row per rule: when event happens and condition holds, '
'do action_type with action_params.';
COMMENT ON COLUMN cmms.rules_engine.name IS
'Name of the rule shown to users.';
COMMENT ON COLUMN cmms.rules_engine.event IS
'Event that triggers the rule, as entity.what_happened (e.g. work_order.created, part.below_reorder_point).';
COMMENT ON COLUMN cmms.rules_engine.condition IS
'JSON object the event''s record must match for the action to run (e.g. {"priority": "high"}); '
'the empty object matches every event.';
COMMENT ON COLUMN cmms.rules_engine.action_type IS
'What the rule does: notify_user, notify_team, set_priority, assign_user or assign_team.';
COMMENT ON COLUMN cmms.rules_engine.action_params IS
'JSON object of the action''s arguments (e.g. {"user_id": "..."} for assign_user, {"priority": "urgent"} '
'for set_priority).';
COMMENT ON COLUMN cmms.rules_engine.enabled IS
'Whether the rule runs; a disabled rule is kept but never evaluated.';
COMMENT ON COLUMN cmms.rules_engine.position IS
'Evaluation order among the rules of the same event (ascending; ties in no particular order).';
COMMENT ON COLUMN cmms.rules_engine.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.rules_engine.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.rules_engine.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.rules_engine ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.rules_engine FORCE ROW LEVEL SECURITY;

CREATE POLICY rules_engine_select ON cmms.rules_engine
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY rules_engine_insert ON cmms.rules_engine
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY rules_engine_update ON cmms.rules_engine
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY rules_engine_delete ON cmms.rules_engine
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.rules_engine TO cmms_app;

GRANT SELECT ON cmms.rules_engine TO cmms_readonly;

CREATE TRIGGER rules_engine_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.rules_engine
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_rules_engine WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.rules_engine
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_rules_engine IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_rules_engine FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_rules_engine TO cmms_app, cmms_readonly;
