-- The edits of citus/0013 undone, last first: the functions as the core migrations wrote
-- them; then the module's bookkeeping schema goes.
RESET ROLE;

DO $$
BEGIN
    -- (in a string: sqlfluff does not parse a dotted setting's name)
    EXECUTE 'ALTER FUNCTION cmms.erase_audit_values(text, uuid[], text[])'
        ' RESET citus.allow_nested_distributed_execution';
END;
$$;

SELECT cmms_citus.edit_functions('citus/0013', undo => TRUE);

DO $$
BEGIN
    -- In a query string of its own: Citus sends a DROP SCHEMA's text to the workers as it is.
    EXECUTE 'DROP SCHEMA cmms_citus CASCADE';
END;
$$;
