-- The policies read the tenant context through a subquery again (an initPlan).
RESET ROLE;

DO $$
DECLARE
    p record;
    -- The context functions that 0002 took out of their subqueries (no policy calls them
    -- directly in the single-server schema).
    direct constant pg_catalog.text :=
        '(?<!SELECT )cmms\.(current_org_id|current_user_id|has_permission)\(([^()]*)\)';
    subquery constant pg_catalog.text := '( SELECT cmms.\1(\2) AS \1)';
BEGIN
    FOR p IN
        SELECT policyname, tablename, qual, with_check
        FROM pg_catalog.pg_policies
        WHERE schemaname = 'cmms' AND (qual ~ direct OR with_check ~ direct)
        ORDER BY tablename, policyname
    LOOP
        IF p.qual IS NOT NULL THEN
            EXECUTE pg_catalog.format(
                'ALTER POLICY %I ON cmms.%I USING (%s)', p.policyname, p.tablename,
                pg_catalog.regexp_replace(p.qual, direct, subquery, 'g')
            );
        END IF;
        IF p.with_check IS NOT NULL THEN
            EXECUTE pg_catalog.format(
                'ALTER POLICY %I ON cmms.%I WITH CHECK (%s)', p.policyname, p.tablename,
                pg_catalog.regexp_replace(p.with_check, direct, subquery, 'g')
            );
        END IF;
    END LOOP;
END;
$$;
