-- Citus refuses a subquery in a policy of a distributed table, and the policies of the
-- single-server schema read the tenant context as `(SELECT cmms.current_org_id())` (an
-- initPlan: evaluated once per statement), as they read current_user_id() and
-- has_permission(...). On the cluster they call these functions directly: STABLE, compared
-- with indexed columns, still evaluated once per index scan. Same rows, same checks. The
-- rollback restores the subquery form.
-- requires-extension: citus

RESET ROLE;

DO $$
DECLARE
    p record;
    -- `( SELECT cmms.f(args) AS f)`, as pg_policies prints such a subquery.
    subquery constant pg_catalog.text := '\(\s*SELECT (cmms\.(\w+)\([^()]*\)) AS \2\)';
BEGIN
    FOR p IN
        SELECT policyname, tablename, qual, with_check
        FROM pg_catalog.pg_policies
        WHERE schemaname = 'cmms' AND (qual ~ subquery OR with_check ~ subquery)
        ORDER BY tablename, policyname
    LOOP
        IF p.qual IS NOT NULL THEN
            EXECUTE pg_catalog.format(
                'ALTER POLICY %I ON cmms.%I USING (%s)', p.policyname, p.tablename,
                pg_catalog.regexp_replace(p.qual, subquery, '\1', 'g')
            );
        END IF;
        IF p.with_check IS NOT NULL THEN
            EXECUTE pg_catalog.format(
                'ALTER POLICY %I ON cmms.%I WITH CHECK (%s)', p.policyname, p.tablename,
                pg_catalog.regexp_replace(p.with_check, subquery, '\1', 'g')
            );
        END IF;
    END LOOP;
END;
$$;
