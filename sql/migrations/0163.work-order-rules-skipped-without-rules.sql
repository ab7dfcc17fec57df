-- A bulk insert of work orders paid, per row, a to_jsonb of the row, a call of
-- cmms.run_work_order_rules (its rules query and the work order's reference) and a
-- jsonb_populate_record, for an organization that has no rule at all. Now the trigger
-- first looks for an enabled, live rule of the organization for the events the write can
-- raise (one probe of the partial index rules_engine (organization_id, event, position))
-- and returns the row unchanged when there is none. The rules that exist run as before.
SET LOCAL ROLE cmms_owner;

CREATE OR REPLACE FUNCTION cmms.apply_work_order_rules()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    changes jsonb;
    previous jsonb := '{}'::jsonb;
BEGIN
    IF NOT EXISTS (
        SELECT FROM cmms.rules_engine AS r
        WHERE r.organization_id = NEW.organization_id AND r.enabled AND r.deleted_at IS NULL
            AND r.event IN ('work_order.created', 'work_order.status_changed', 'work_order.assigned')
    ) THEN
        RETURN NEW;  -- no rule to run for this organization
    END IF;
    IF TG_OP = 'INSERT' THEN
        changes := cmms.run_work_order_rules('work_order.created', pg_catalog.to_jsonb(NEW));
        NEW := pg_catalog.jsonb_populate_record(NEW, changes);
    ELSE
        previous := pg_catalog.jsonb_build_object('previous_status', OLD.status);
        IF OLD.status IS DISTINCT FROM NEW.status THEN
            changes := cmms.run_work_order_rules('work_order.status_changed', pg_catalog.to_jsonb(NEW) || previous);
            NEW := pg_catalog.jsonb_populate_record(NEW, changes);
        END IF;
    END IF;
    IF (NEW.assignee_user_id IS NOT NULL OR NEW.team_id IS NOT NULL)
        AND (TG_OP = 'INSERT' OR NEW.assignee_user_id IS DISTINCT FROM OLD.assignee_user_id
            OR NEW.team_id IS DISTINCT FROM OLD.team_id) THEN
        changes := cmms.run_work_order_rules('work_order.assigned', pg_catalog.to_jsonb(NEW) || previous);
        NEW := pg_catalog.jsonb_populate_record(NEW, changes);
    END IF;
    RETURN NEW;
END;
$$;
