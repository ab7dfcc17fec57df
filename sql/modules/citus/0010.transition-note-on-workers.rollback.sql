-- The transition note set with set_config() again.
RESET ROLE;

DO $$
DECLARE
    f pg_catalog.oid;
BEGIN
    FOR f IN
        SELECT p.oid FROM pg_catalog.pg_proc AS p
        WHERE p.pronamespace = 'cmms'::pg_catalog.regnamespace
          AND p.prosrc LIKE '%SET LOCAL cmms.transition_note = %'
        ORDER BY p.oid::pg_catalog.regprocedure::pg_catalog.text
    LOOP
        EXECUTE pg_catalog.regexp_replace(
            pg_catalog.pg_get_functiondef(f),
            'EXECUTE pg_catalog\.format\(''SET LOCAL cmms\.transition_note = %L'', (.*?)\);',
            'PERFORM pg_catalog.set_config(''cmms.transition_note'', \1, TRUE);',
            'g'
        );
    END LOOP;
END;
$$;
