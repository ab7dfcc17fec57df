-- Citus refuses a subquery in a policy of a distributed table, and the policies of the
-- single-server schema read the tenant context as `(SELECT cmms.current_org_id())` (an
-- initPlan: evaluated once per statement). On the cluster they call cmms.current_org_id()
-- directly: a STABLE function, compared with the indexed organization_id, still evaluated
-- once per index scan. Same rows, same checks. The rollback restores the subquery form.
-- requires-extension: citus

RESET ROLE;

DO $$
DECLARE
    p record;
    subquery constant pg_catalog.text := '( SELECT cmms.current_org_id() AS current_org_id)';
BEGIN
    FOR p IN
        SELECT policyname, tablename, qual, with_check
        FROM pg_catalog.pg_policies
        WHERE schemaname = 'cmms'
          AND (pg_catalog.strpos(qual, subquery) > 0 OR pg_catalog.strpos(with_check, subquery) > 0)
        ORDER BY tablename, policyname
    LOOP
        IF p.qual IS NOT NULL THEN
            EXECUTE pg_catalog.format(
                'ALTER POLICY %I ON cmms.%I USING (%s)', p.policyname, p.tablename,
                pg_catalog.replace(p.qual, subquery, 'cmms.current_org_id()')
            );
        END IF;
        IF p.with_check IS NOT NULL THEN
            EXECUTE pg_catalog.format(
                'ALTER POLICY %I ON cmms.%I WITH CHECK (%s)', p.policyname, p.tablename,
                pg_catalog.replace(p.with_check, subquery, 'cmms.current_org_id()')
            );
        END IF;
    END LOOP;
END;
$$;
