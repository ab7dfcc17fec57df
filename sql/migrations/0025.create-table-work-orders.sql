-- Work orders: the jobs of maintenance work (repair, preventive service, inspection), with
-- their status, priority, schedule, people, place, a number per organization (WO-000123)
-- and a weighted full-text search vector. Hash-partitioned by organization: a tenant's
-- work orders live in one partition (partitions from templates/partitions/hash_partitions).
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.assign_work_order_number()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    IF NEW.number IS NULL THEN
        -- One creator per organization at a time until commit: no two get the same number.
        PERFORM pg_catalog.pg_advisory_xact_lock(22351, pg_catalog.hashtext(NEW.organization_id::text));
        SELECT coalesce(max(w.number), 0) + 1 INTO NEW.number
        FROM cmms.work_orders AS w
        WHERE w.organization_id = NEW.organization_id;
    END IF;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION cmms.assign_work_order_number() IS
'BEFORE INSERT trigger: gives a work order without a number the next number of its organization. '
'Concurrent creators in one organization take the transaction advisory lock (22351, hashtext(organization_id)) '
'in turn, so numbers never collide; the unique index is the backstop.';

CREATE TABLE cmms.work_orders (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    number bigint NOT NULL,
    reference text GENERATED ALWAYS AS ('WO-' || lpad(number::text, greatest(6, length(number::text)), '0')) STORED,
    title text NOT NULL,
    description text,
    status text NOT NULL DEFAULT 'open',
    priority text NOT NULL DEFAULT 'medium',
    priority_rank smallint GENERATED ALWAYS AS (
        CASE priority WHEN 'urgent' THEN 1 WHEN 'high' THEN 2 WHEN 'medium' THEN 3 ELSE 4 END
    ) STORED,
    work_order_type text NOT NULL DEFAULT 'corrective',
    scheduled_start_at timestamptz,
    scheduled_end_at timestamptz,
    due_at timestamptz,
    started_at timestamptz,
    completed_at timestamptz,
    estimated_duration_minutes integer,
    actual_duration_minutes integer,
    assignee_user_id uuid,
    requester_user_id uuid,
    team_id uuid,
    location_id uuid,
    template_id uuid,
    pm_schedule_id uuid,
    pm_due_at timestamptz,
    search_vector tsvector GENERATED ALWAYS AS (
        setweight(
            to_tsvector('simple'::regconfig, 'WO-' || lpad(number::text, greatest(6, length(number::text)), '0')), 'A'
        )
        || setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B')
    ) STORED,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT work_orders_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT work_orders_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT work_orders_assignee_user_fkey FOREIGN KEY (organization_id, assignee_user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE SET NULL (assignee_user_id),
    CONSTRAINT work_orders_requester_user_fkey FOREIGN KEY (organization_id, requester_user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE SET NULL (requester_user_id),
    CONSTRAINT work_orders_team_fkey FOREIGN KEY (organization_id, team_id)
    REFERENCES cmms.teams (organization_id, id) ON DELETE SET NULL (team_id),
    CONSTRAINT work_orders_location_fkey FOREIGN KEY (organization_id, location_id)
    REFERENCES cmms.locations (organization_id, id) ON DELETE SET NULL (location_id),
    CONSTRAINT work_orders_template_fkey FOREIGN KEY (organization_id, template_id)
    REFERENCES cmms.work_order_templates (organization_id, id) ON DELETE SET NULL (template_id),
    CONSTRAINT work_orders_pm_schedule_fkey FOREIGN KEY (organization_id, pm_schedule_id)
    REFERENCES cmms.pm_schedules (organization_id, id) ON DELETE SET NULL (pm_schedule_id),
    CONSTRAINT work_orders_number_check CHECK (number > 0),
    CONSTRAINT work_orders_title_check CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    CONSTRAINT work_orders_status_check CHECK (
        status IN ('open', 'in_progress', 'on_hold', 'completed', 'closed', 'cancelled')
    ),
    CONSTRAINT work_orders_priority_check CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    CONSTRAINT work_orders_work_order_type_check CHECK (
        work_order_type IN ('corrective', 'preventive', 'inspection')
    ),
    CONSTRAINT work_orders_schedule_check CHECK (scheduled_end_at >= scheduled_start_at),
    CONSTRAINT work_orders_completed_check CHECK (
        status NOT IN ('completed', 'closed') OR completed_at IS NOT NULL
    ),
    CONSTRAINT work_orders_duration_check CHECK (
        estimated_duration_minutes >= 0 AND actual_duration_minutes >= 0
    ),
    CONSTRAINT work_orders_pm_due_check CHECK (pm_schedule_id IS NULL OR pm_due_at IS NOT NULL)
) PARTITION BY HASH (organization_id);

CREATE TABLE cmms.work_orders_p0
PARTITION OF cmms.work_orders
FOR VALUES WITH (MODULUS 8, REMAINDER 0);

REVOKE ALL ON cmms.work_orders_p0 FROM cmms_app, cmms_readonly;

CREATE TABLE cmms.work_orders_p1
PARTITION OF cmms.work_orders
FOR VALUES WITH (MODULUS 8, REMAINDER 1);

REVOKE ALL ON cmms.work_orders_p1 FROM cmms_app, cmms_readonly;

CREATE TABLE cmms.work_orders_p2
PARTITION OF cmms.work_orders
FOR VALUES WITH (MODULUS 8, REMAINDER 2);

REVOKE ALL ON cmms.work_orders_p2 FROM cmms_app, cmms_readonly;

CREATE TABLE cmms.work_orders_p3
PARTITION OF cmms.work_orders
FOR VALUES WITH (MODULUS 8, REMAINDER 3);

REVOKE ALL ON cmms.work_orders_p3 FROM cmms_app, cmms_readonly;

CREATE TABLE cmms.work_orders_p4
PARTITION OF cmms.work_orders
FOR VALUES WITH (MODULUS 8, REMAINDER 4);

REVOKE ALL ON cmms.work_orders_p4 FROM cmms_app, cmms_readonly;

CREATE TABLE cmms.work_orders_p5
PARTITION OF cmms.work_orders
FOR VALUES WITH (MODULUS 8, REMAINDER 5);

REVOKE ALL ON cmms.work_orders_p5 FROM cmms_app, cmms_readonly;

CREATE TABLE cmms.work_orders_p6
PARTITION OF cmms.work_orders
FOR VALUES WITH (MODULUS 8, REMAINDER 6);

REVOKE ALL ON cmms.work_orders_p6 FROM cmms_app, cmms_readonly;

CREATE TABLE cmms.work_orders_p7
PARTITION OF cmms.work_orders
FOR VALUES WITH (MODULUS 8, REMAINDER 7);

REVOKE ALL ON cmms.work_orders_p7 FROM cmms_app, cmms_readonly;



CREATE UNIQUE INDEX work_orders_organization_id_number_key
ON cmms.work_orders (organization_id, number);

CREATE UNIQUE INDEX work_orders_organization_id_pm_schedule_id_pm_due_at_key
ON cmms.work_orders (organization_id, pm_schedule_id, pm_due_at)
WHERE pm_schedule_id IS NOT NULL;

CREATE INDEX work_orders_open_by_priority_idx
ON cmms.work_orders (organization_id, priority_rank, due_at)
WHERE status IN ('open', 'in_progress', 'on_hold') AND deleted_at IS NULL;

CREATE INDEX work_orders_open_by_due_at_idx
ON cmms.work_orders (organization_id, due_at)
WHERE status IN ('open', 'in_progress', 'on_hold') AND deleted_at IS NULL;

CREATE INDEX work_orders_organization_id_assignee_user_id_idx
ON cmms.work_orders (organization_id, assignee_user_id);

CREATE INDEX work_orders_organization_id_requester_user_id_idx
ON cmms.work_orders (organization_id, requester_user_id);

CREATE INDEX work_orders_organization_id_team_id_idx
ON cmms.work_orders (organization_id, team_id);

CREATE INDEX work_orders_organization_id_location_id_idx
ON cmms.work_orders (organization_id, location_id);

CREATE INDEX work_orders_organization_id_template_id_idx
ON cmms.work_orders (organization_id, template_id);

CREATE INDEX work_orders_search_vector_idx
ON cmms.work_orders USING gin (search_vector);

CREATE TRIGGER work_orders_set_updated_at
BEFORE UPDATE ON cmms.work_orders
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

CREATE TRIGGER work_orders_assign_number
BEFORE INSERT ON cmms.work_orders
FOR EACH ROW EXECUTE FUNCTION cmms.assign_work_order_number();

COMMENT ON TABLE cmms.work_orders IS
'Jobs of maintenance work (repair, preventive service, inspection); hash-partitioned by organization.';
COMMENT ON COLUMN cmms.work_orders.number IS
'Number of the work order within its organization, given on insert when not supplied; unique per organization.';
COMMENT ON COLUMN cmms.work_orders.reference IS
'Human-readable number, generated: WO- and the number padded to at least six digits (WO-000123).';
COMMENT ON COLUMN cmms.work_orders.status IS
'open, in_progress, on_hold, completed, closed or cancelled (transitions are checked by cmms functions).';
COMMENT ON COLUMN cmms.work_orders.priority IS
'low, medium, high or urgent.';
COMMENT ON COLUMN cmms.work_orders.priority_rank IS
'Sort order of the priority, generated: 1 urgent, 2 high, 3 medium, 4 low (indexed for open work by priority).';
COMMENT ON COLUMN cmms.work_orders.work_order_type IS
'corrective (repair), preventive (scheduled service) or inspection.';
COMMENT ON COLUMN cmms.work_orders.due_at IS
'When the work must be done; an open work order past it is overdue.';
COMMENT ON COLUMN cmms.work_orders.completed_at IS
'When the work was completed; required once the status is completed or closed.';
COMMENT ON COLUMN cmms.work_orders.estimated_duration_minutes IS
'Expected duration of the work, in minutes.';
COMMENT ON COLUMN cmms.work_orders.actual_duration_minutes IS
'Time the work took, in minutes (labor_entries hold who worked how long).';
COMMENT ON COLUMN cmms.work_orders.assignee_user_id IS
'User the work is assigned to; cleared (only this column) when that user is deleted.';
COMMENT ON COLUMN cmms.work_orders.requester_user_id IS
'User who asked for the work; cleared (only this column) when that user is deleted.';
COMMENT ON COLUMN cmms.work_orders.team_id IS
'Team the work is assigned to; cleared (only this column) when the team is deleted.';
COMMENT ON COLUMN cmms.work_orders.location_id IS
'Where the work happens; cleared (only this column) when the location is deleted.';
COMMENT ON COLUMN cmms.work_orders.template_id IS
'Template the work order was made from, if any.';
COMMENT ON COLUMN cmms.work_orders.pm_schedule_id IS
'Preventive maintenance schedule that generated the work order, if any.';
COMMENT ON COLUMN cmms.work_orders.pm_due_at IS
'The due date of the schedule this work order serves: one work order per schedule and due date.';
COMMENT ON COLUMN cmms.work_orders.search_vector IS
'Full-text search vector (generated): number and title weigh A, description B.';
COMMENT ON COLUMN cmms.work_orders.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.work_orders.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.work_orders.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.work_orders ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.work_orders FORCE ROW LEVEL SECURITY;

CREATE POLICY work_orders_select ON cmms.work_orders
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY work_orders_insert ON cmms.work_orders
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY work_orders_update ON cmms.work_orders
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY work_orders_delete ON cmms.work_orders
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.work_orders TO cmms_app;

GRANT SELECT ON cmms.work_orders TO cmms_readonly;

CREATE TRIGGER work_orders_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.work_orders
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_work_orders WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.work_orders
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_work_orders IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_work_orders FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_work_orders TO cmms_app, cmms_readonly;
