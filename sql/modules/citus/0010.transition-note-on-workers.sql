-- cmms.transition_work_order hands its note to the work_orders trigger (which writes it into
-- maintenance_logs) through the setting cmms.transition_note, set with set_config(), which
-- Citus does not send to the worker where the trigger runs: the history would lose the note.
-- Each function of cmms that sets it does so with SET LOCAL instead, which Citus propagates
-- (cmms.set_context, called first in the transaction, turned propagation on). The rollback
-- turns them back.
-- requires-extension: citus

RESET ROLE;

DO $$
DECLARE
    f pg_catalog.oid;
BEGIN
    FOR f IN
        SELECT p.oid FROM pg_catalog.pg_proc AS p
        WHERE p.pronamespace = 'cmms'::pg_catalog.regnamespace
          AND p.prosrc LIKE '%set_config(''cmms.transition_note'',%'
        ORDER BY p.oid::pg_catalog.regprocedure::pg_catalog.text
    LOOP
        EXECUTE pg_catalog.regexp_replace(
            pg_catalog.pg_get_functiondef(f),
            'PERFORM pg_catalog\.set_config\(''cmms\.transition_note'', (.*?), TRUE\);',
            'EXECUTE pg_catalog.format(''SET LOCAL cmms.transition_note = %L'', \1);',
            'g'
        );
    END LOOP;
END;
$$;
