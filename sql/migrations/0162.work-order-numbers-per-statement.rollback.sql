SET LOCAL ROLE cmms_owner;

DROP TRIGGER work_orders_forget_number ON cmms.work_orders;

DROP FUNCTION cmms.forget_work_order_number();

CREATE OR REPLACE FUNCTION cmms.assign_work_order_number()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
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
