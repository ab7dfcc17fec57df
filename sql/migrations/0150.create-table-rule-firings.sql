-- Rule firings: the record that a work_order.overdue rule fired for a work order and its
-- due date (issue 16, item 3). cmms.fire_due_rules (0151) inserts here with ON CONFLICT
-- DO NOTHING and runs the actions only of the rows it inserted: the unique key makes a
-- rule fire once per work order and due date, however often and by however many sessions
-- at once the function runs; a new due date fires again. Written only by that function,
-- which runs as a login that bypasses row-level security: the application may read its
-- organization's firings but not write them (no forged or erased firings).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.rule_firings (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    rule_id uuid NOT NULL,
    work_order_id uuid NOT NULL,
    due_at timestamptz NOT NULL,
    fired_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT rule_firings_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT rule_firings_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT rule_firings_rule_fkey FOREIGN KEY (organization_id, rule_id)
    REFERENCES cmms.rules_engine (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT rule_firings_work_order_fkey FOREIGN KEY (organization_id, work_order_id)
    REFERENCES cmms.work_orders (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT rule_firings_organization_id_rule_id_work_order_id_due_at_key
    UNIQUE (organization_id, rule_id, work_order_id, due_at)
);

CREATE INDEX rule_firings_organization_id_work_order_id_idx
ON cmms.rule_firings (organization_id, work_order_id);

CREATE TRIGGER rule_firings_set_updated_at
BEFORE UPDATE ON cmms.rule_firings
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.rule_firings IS
'One row per work_order.overdue rule that fired for a work order and due date, written by '
'cmms.fire_due_rules; the unique key makes each fire once. Read-only for the application.';
COMMENT ON COLUMN cmms.rule_firings.rule_id IS
'The rule (rules_engine, event work_order.overdue) that fired; the firing is deleted with it.';
COMMENT ON COLUMN cmms.rule_firings.work_order_id IS
'The overdue work order; the firing is deleted with it (archived work orders are closed, never overdue).';
COMMENT ON COLUMN cmms.rule_firings.due_at IS
'The work order''s due_at when the rule fired: a work order given a new due date can fire again.';
COMMENT ON COLUMN cmms.rule_firings.fired_at IS
'When cmms.fire_due_rules fired the rule.';
COMMENT ON COLUMN cmms.rule_firings.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.rule_firings.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.rule_firings.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.rule_firings ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.rule_firings FORCE ROW LEVEL SECURITY;

CREATE POLICY rule_firings_select ON cmms.rule_firings
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY rule_firings_insert ON cmms.rule_firings
FOR INSERT TO cmms_owner
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY rule_firings_update ON cmms.rule_firings
FOR UPDATE TO cmms_owner
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY rule_firings_delete ON cmms.rule_firings
FOR DELETE TO cmms_owner
USING (organization_id = (SELECT cmms.current_org_id()));

-- Read-only for the application: cmms_owner's default privileges would grant it DML.
REVOKE ALL ON cmms.rule_firings FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.rule_firings TO cmms_app, cmms_readonly;

CREATE TRIGGER rule_firings_audit_insert
AFTER INSERT ON cmms.rule_firings
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION cmms.audit_row_change();

CREATE TRIGGER rule_firings_audit_update
AFTER UPDATE ON cmms.rule_firings
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION cmms.audit_row_change();

CREATE TRIGGER rule_firings_audit_delete
AFTER DELETE ON cmms.rule_firings
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_rule_firings WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.rule_firings
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_rule_firings IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_rule_firings FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_rule_firings TO cmms_app, cmms_readonly;
