-- Citus cannot plan a query on a distributed table inside a SQL-language function that
-- uses its parameters ("could not create distributed plan ... parameters in SQL
-- functions"): the permission check and the custom field and completion checks of the API
-- fail on the cluster. Each LANGUAGE sql function of cmms that reads a table of cmms
-- becomes LANGUAGE plpgsql with the same signature, attributes and query: RETURN (query),
-- columns winning over parameters as in SQL (#variable_conflict use_column). The tenant
-- context is read once into a variable, so the query filters organization_id by a parameter
-- that Citus prunes to one shard (a router query) instead of a function it cannot evaluate.
-- cmms.has_permission is written out by hand below: as RETURN (its query) it crashes the
-- Citus 13.2.2 coordinator (signal 11; a reference table LEFT JOIN distributed tables on a
-- parameter), so it reads the permission, the user's role and the override one at a time,
-- each a router query (or a read of the reference table permissions). Same answers.
-- The rollback restores the SQL-language functions.
-- requires-extension: citus

RESET ROLE;

DO $$
DECLARE
    f record;
    def pg_catalog.text;
    body pg_catalog.text;
    head pg_catalog.text;
BEGIN
    FOR f IN
        SELECT p.oid
        FROM pg_catalog.pg_proc AS p
        WHERE p.pronamespace = 'cmms'::pg_catalog.regnamespace
          AND p.prolang = (SELECT l.oid FROM pg_catalog.pg_language AS l WHERE l.lanname = 'sql')
          AND p.prosqlbody IS NULL AND NOT p.proretset
          AND p.oid <> 'cmms.has_permission(pg_catalog.text)'::pg_catalog.regprocedure
          AND EXISTS (
              SELECT FROM pg_catalog.regexp_matches(p.prosrc, 'cmms\.([a-z_]+)', 'g') AS m (name)
              INNER JOIN pg_catalog.pg_class AS c
                  ON c.relname = m.name[1] AND c.relnamespace = 'cmms'::pg_catalog.regnamespace
          )
        ORDER BY p.oid::pg_catalog.regprocedure::pg_catalog.text
    LOOP
        def := pg_catalog.pg_get_functiondef(f.oid);
        head := pg_catalog.split_part(def, E'\nAS $function$', 1);
        body := pg_catalog.split_part(def, E'\nAS $function$', 2);
        body := pg_catalog.regexp_replace(body, '\s*;?\s*\$function\$\s*$', '');
        body := pg_catalog.replace(body, 'cmms.current_org_id()', 'context_org');
        body := pg_catalog.replace(body, 'cmms.current_user_id()', 'context_user');
        EXECUTE pg_catalog.replace(head, E'\n LANGUAGE sql\n', E'\n LANGUAGE plpgsql\n')
            || E'\nAS $function$\n#variable_conflict use_column\nDECLARE\n'
            || E'    context_org pg_catalog.uuid := cmms.current_org_id();\n'
            || E'    context_user pg_catalog.uuid := cmms.current_user_id();\n'
            || E'BEGIN\n    RETURN (\n' || body || E'\n    );\nEND;\n$function$';
    END LOOP;
END;
$$;

CREATE OR REPLACE FUNCTION cmms.has_permission(permission text)
RETURNS boolean
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    org pg_catalog.uuid := cmms.current_org_id();
    actor pg_catalog.uuid := cmms.current_user_id();
    defaults pg_catalog.text[];
    known boolean;
    user_role pg_catalog.text;
    granted boolean;
BEGIN
    IF org IS NULL THEN
        RETURN FALSE;
    END IF;
    SELECT p.default_roles INTO defaults FROM cmms.permissions AS p WHERE p.name = has_permission.permission;
    known := found;
    -- The user's role, with the organization's override for it, else the default.
    SELECT u.role INTO user_role
    FROM cmms.users AS u
    WHERE u.organization_id = org AND u.id = actor AND u.deleted_at IS NULL;
    IF user_role IS NOT NULL THEN
        IF known THEN
            SELECT o.granted INTO granted
            FROM cmms.role_permission_overrides AS o
            WHERE o.organization_id = org AND o.role = user_role
                AND o.permission = has_permission.permission AND o.deleted_at IS NULL;
        END IF;
        RETURN coalesce(granted, user_role = any(defaults), FALSE);
    END IF;
    -- No user in the context (a system job: cron, a job queue), or an id that is no user
    -- of the organization: what any role may do by default, never permission.manage.
    RETURN known AND coalesce(has_permission.permission <> 'permission.manage' AND defaults <> '{}', FALSE);
END;
$function$;
