-- A bulk insert of work orders paid, per row, the organization's advisory lock and a
-- max(number) over the partitioned table (a generic plan over every partition). Now the
-- first row of a statement for an organization takes the lock and reads max(number) as
-- before, and the next rows of that statement for that organization count on from the
-- number it kept (transaction-local setting cmms.work_order_number: organization, statement
-- start, last number). The lock is held until the end of the transaction, so nobody else
-- numbers that organization's work orders meanwhile; a BEFORE INSERT ... FOR EACH
-- STATEMENT trigger forgets the kept number at the start of every INSERT, so a number never
-- outlives its statement; a row with an explicit number above the kept one raises it. The
-- numbers are the same as before, and the unique index stays the backstop.
SET LOCAL ROLE cmms_owner;

CREATE OR REPLACE FUNCTION cmms.assign_work_order_number()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    kept pg_catalog.text[] := pg_catalog.string_to_array(
        pg_catalog.current_setting('cmms.work_order_number', TRUE), ' '
    );
    here pg_catalog.text[] := ARRAY[
        NEW.organization_id::pg_catalog.text,
        EXTRACT(EPOCH FROM pg_catalog.statement_timestamp())::pg_catalog.text
    ];
    last pg_catalog.int8;
BEGIN
    IF kept[1:2] = here THEN
        last := kept[3]::pg_catalog.int8;
    ELSIF NEW.number IS NOT NULL THEN
        RETURN NEW;
    ELSE
        -- One creator per organization at a time until commit: no two get the same number.
        PERFORM pg_catalog.pg_advisory_xact_lock(22351, pg_catalog.hashtext(NEW.organization_id::pg_catalog.text));
        SELECT coalesce(max(w.number), 0) INTO last
        FROM cmms.work_orders AS w
        WHERE w.organization_id = NEW.organization_id;
    END IF;
    IF NEW.number IS NULL THEN
        NEW.number := last + 1;
    ELSIF NEW.number <= last THEN
        RETURN NEW;
    END IF;
    PERFORM pg_catalog.set_config(
        'cmms.work_order_number', pg_catalog.array_to_string(here || NEW.number::pg_catalog.text, ' '), TRUE
    );
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION cmms.assign_work_order_number() IS
'BEFORE INSERT trigger: gives a work order without a number the next number of its organization. '
'Concurrent creators in one organization take the transaction advisory lock (22351, hashtext(organization_id)) '
'in turn, so numbers never collide; the unique index is the backstop. The first row of a statement for an '
'organization reads max(number); the next rows of the statement count on from the number kept in the '
'transaction-local setting cmms.work_order_number (reset by cmms.forget_work_order_number at each INSERT).';

CREATE FUNCTION cmms.forget_work_order_number()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pg_catalog.set_config('cmms.work_order_number', '', TRUE);
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION cmms.forget_work_order_number() IS
'BEFORE INSERT ... FOR EACH STATEMENT trigger of work_orders: forgets the number that '
'cmms.assign_work_order_number kept for the previous statement, so that every INSERT reads max(number) anew.';

REVOKE ALL ON FUNCTION cmms.forget_work_order_number() FROM PUBLIC;

CREATE TRIGGER work_orders_forget_number
BEFORE INSERT ON cmms.work_orders
FOR EACH STATEMENT EXECUTE FUNCTION cmms.forget_work_order_number();
