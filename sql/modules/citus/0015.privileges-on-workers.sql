-- The privileges of cmms's functions and views on the workers. The main folder's migrations
-- ran with Citus's DDL propagation off, and citus/0003 had every function (and the views
-- they depend on) created on every worker: with PostgreSQL's default privileges there,
-- EXECUTE for PUBLIC and no grant on a view. A function called inside a router query runs
-- on the worker, which checks its own copy: any login could run, say, erase_audit_values
-- (cmms_audit's, EXECUTE for cmms_owner only) by calling it in a SELECT on its
-- organization's row; and cmms.has_permission, which reads the permissions view, failed in
-- a policy on a worker. Here each function's and view's privileges are stated again as the
-- coordinator has them; Citus sends each GRANT and REVOKE to every worker. Functions and
-- views that later migrations create are propagated with their privileges.
-- requires-extension: citus

RESET ROLE;

DO $$
DECLARE
    object record;
    privilege record;
BEGIN
    FOR object IN
        SELECT 'FUNCTION' AS kind, p.oid::pg_catalog.regprocedure::pg_catalog.text AS name, p.proacl AS acl,
            p.proowner AS owner
        FROM pg_catalog.pg_proc AS p
        WHERE p.pronamespace = 'cmms'::pg_catalog.regnamespace AND p.proacl IS NOT NULL
        UNION ALL
        SELECT 'TABLE', c.oid::pg_catalog.regclass::pg_catalog.text, c.relacl, c.relowner
        FROM pg_catalog.pg_class AS c
        WHERE c.relnamespace = 'cmms'::pg_catalog.regnamespace AND c.relkind = 'v' AND c.relacl IS NOT NULL
        ORDER BY 1, 2
    LOOP
        -- One statement per query string: Citus sends a GRANT's text to the workers.
        EXECUTE pg_catalog.format('REVOKE ALL ON %s %s FROM PUBLIC', object.kind, object.name);
        FOR privilege IN
            SELECT a.grantee, a.privilege_type
            FROM pg_catalog.aclexplode(object.acl) AS a
            WHERE a.grantee <> object.owner
            ORDER BY 1, 2
        LOOP
            EXECUTE pg_catalog.format(
                'GRANT %s ON %s %s TO %s', privilege.privilege_type, object.kind, object.name,
                CASE WHEN privilege.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(
                    pg_catalog.pg_get_userbyid(privilege.grantee)
                ) END
            );
        END LOOP;
    END LOOP;
END;
$$;
