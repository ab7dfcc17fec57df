-- The policies read the tenant context through a subquery again (an initPlan).
RESET ROLE;

DO $$
DECLARE
    p record;
    direct constant pg_catalog.text := 'cmms.current_org_id()';
    subquery constant pg_catalog.text := '( SELECT cmms.current_org_id() AS current_org_id)';
BEGIN
    FOR p IN
        SELECT policyname, tablename, qual, with_check
        FROM pg_catalog.pg_policies
        WHERE schemaname = 'cmms'
          AND (pg_catalog.strpos(qual, direct) > 0 OR pg_catalog.strpos(with_check, direct) > 0)
        ORDER BY tablename, policyname
    LOOP
        IF p.qual IS NOT NULL THEN
            EXECUTE pg_catalog.format(
                'ALTER POLICY %I ON cmms.%I USING (%s)', p.policyname, p.tablename,
                pg_catalog.replace(p.qual, direct, subquery)
            );
        END IF;
        IF p.with_check IS NOT NULL THEN
            EXECUTE pg_catalog.format(
                'ALTER POLICY %I ON cmms.%I WITH CHECK (%s)', p.policyname, p.tablename,
                pg_catalog.replace(p.with_check, direct, subquery)
            );
        END IF;
    END LOOP;
END;
$$;
