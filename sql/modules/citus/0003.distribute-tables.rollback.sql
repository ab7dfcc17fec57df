-- Every table of cmms local to the coordinator again (undistribute_table copies the rows
-- back), then the foreign keys as the single-server schema has them: those that were
-- ON DELETE SET NULL (col) again, from the definition their trigger kept.
-- undistribute_table makes a new table, moves the rows, indexes, triggers, policies and
-- views over and drops the old table with CASCADE, and that loses things: the functions
-- whose arguments or result are a cmms table's row type (create_work_order returns
-- cmms.work_orders) go with the old table; the comments of the tables, columns, views and
-- policies, and the views' privileges, are not carried over; and a restrictive policy comes
-- back permissive (the policy bug of citus/0014). So all of these are read first and
-- stated again afterwards: the functions made again (definition, owner, privileges,
-- comment), the comments and privileges set, the restrictive policies made again.
RESET ROLE;

SELECT set_config('citus.enable_unsafe_triggers', 'on', TRUE);

SELECT set_config('citus.multi_shard_modify_mode', 'sequential', TRUE);

DO $$
DECLARE
    fk record;
    rel pg_catalog.regclass;
    keys pg_catalog.jsonb := '[]';
    t record;
    kept pg_catalog.jsonb;
    f record;
    privilege record;
    restated pg_catalog.text[];
    statement pg_catalog.text;
BEGIN
    -- Comments of cmms's relations, their columns and their policies; views' privileges;
    -- restrictive policies: as statements to run once the tables are local again.
    SELECT pg_catalog.array_agg(x.sql ORDER BY x.n, x.sql) INTO restated FROM (
        SELECT 1 AS n, CASE WHEN d.objsubid = 0
            THEN pg_catalog.format(
                'COMMENT ON %s %s IS %L', CASE c.relkind WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END,
                c.oid::pg_catalog.regclass, d.description
            )
            ELSE pg_catalog.format(
                'COMMENT ON COLUMN %s.%I IS %L', c.oid::pg_catalog.regclass,
                (SELECT a.attname FROM pg_catalog.pg_attribute AS a WHERE a.attrelid = c.oid AND a.attnum = d.objsubid),
                d.description
            )
        END AS sql
        FROM pg_catalog.pg_description AS d
        INNER JOIN pg_catalog.pg_class AS c ON c.oid = d.objoid
        WHERE d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
          AND c.relnamespace = 'cmms'::pg_catalog.regnamespace AND c.relkind IN ('r', 'p', 'v')
        UNION ALL
        SELECT 2, pg_catalog.format('REVOKE ALL ON %s FROM PUBLIC', c.oid::pg_catalog.regclass)
        FROM pg_catalog.pg_class AS c
        WHERE c.relnamespace = 'cmms'::pg_catalog.regnamespace AND c.relkind = 'v' AND c.relacl IS NOT NULL
        UNION ALL
        SELECT 3, pg_catalog.format(
            'GRANT %s ON %s TO %s', a.privilege_type, c.oid::pg_catalog.regclass,
            CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END
        )
        FROM pg_catalog.pg_class AS c
        CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) AS a
        WHERE c.relnamespace = 'cmms'::pg_catalog.regnamespace AND c.relkind = 'v' AND a.grantee <> c.relowner
        UNION ALL
        SELECT 4, pg_catalog.format('DROP POLICY %I ON %s', p.polname, p.polrelid::pg_catalog.regclass)
        FROM pg_catalog.pg_policy AS p
        INNER JOIN pg_catalog.pg_class AS c ON c.oid = p.polrelid
        WHERE c.relnamespace = 'cmms'::pg_catalog.regnamespace AND NOT p.polpermissive
        UNION ALL
        SELECT 5, pg_catalog.format(
            'CREATE POLICY %I ON %I.%I AS RESTRICTIVE FOR %s TO %s%s%s', x.policyname, x.schemaname, x.tablename,
            x.cmd, (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(r), ', ') FROM pg_catalog.unnest(x.roles) AS r),
            ' USING (' || x.qual || ')', ' WITH CHECK (' || x.with_check || ')'
        )
        FROM pg_catalog.pg_policies AS x
        WHERE x.schemaname = 'cmms' AND x.permissive = 'RESTRICTIVE'
        UNION ALL
        SELECT 6, pg_catalog.format(
            'COMMENT ON POLICY %I ON %s IS %L', p.polname, p.polrelid::pg_catalog.regclass, d.description
        )
        FROM pg_catalog.pg_description AS d
        INNER JOIN pg_catalog.pg_policy AS p ON p.oid = d.objoid
        INNER JOIN pg_catalog.pg_class AS c ON c.oid = p.polrelid
        WHERE d.classoid = 'pg_catalog.pg_policy'::pg_catalog.regclass
          AND c.relnamespace = 'cmms'::pg_catalog.regnamespace
    ) AS x;
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'name', p.oid::pg_catalog.regprocedure::pg_catalog.text,
        'def', pg_catalog.pg_get_functiondef(p.oid),
        'owner', p.proowner::pg_catalog.regrole::pg_catalog.text,
        'acl', p.proacl::pg_catalog.text[],
        'comment', pg_catalog.obj_description(p.oid, 'pg_proc')
    ) ORDER BY p.oid)
    INTO kept
    FROM pg_catalog.pg_proc AS p
    WHERE EXISTS (
        SELECT FROM pg_catalog.pg_depend AS d
        INNER JOIN pg_catalog.pg_type AS ty ON ty.oid = d.refobjid
        INNER JOIN pg_catalog.pg_class AS c ON c.reltype IN (ty.oid, ty.typelem)
        WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid
          AND d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass
          AND c.relnamespace = 'cmms'::pg_catalog.regnamespace
    );
    FOR fk IN
        SELECT c.conname, c.conrelid::pg_catalog.regclass::pg_catalog.text AS tab,
            pg_catalog.pg_get_constraintdef(c.oid) AS def
        FROM pg_catalog.pg_constraint AS c
        WHERE c.contype = 'f' AND c.conparentid = 0
          AND c.connamespace = 'cmms'::pg_catalog.regnamespace
        ORDER BY 2, 1
    LOOP
        keys := keys || pg_catalog.jsonb_build_array(pg_catalog.to_jsonb(fk));
        EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', fk.tab, fk.conname);
    END LOOP;
    -- The key definitions the triggers kept replace those without SET NULL.
    FOR t IN
        SELECT g.tgname, g.tgrelid::pg_catalog.regclass AS ref,
            pg_catalog.encode(g.tgargs, 'escape') AS args
        FROM pg_catalog.pg_trigger AS g
        WHERE g.tgfoid = 'cmms.citus_fk_set_null()'::pg_catalog.regprocedure AND NOT g.tgisinternal
          AND g.tgparentid = 0
    LOOP
        keys := (
            SELECT pg_catalog.jsonb_agg(
                CASE WHEN k ->> 'conname' = (pg_catalog.string_to_array(t.args, E'\\000'))[5]
                    THEN pg_catalog.jsonb_set(k, '{def}', pg_catalog.to_jsonb((pg_catalog.string_to_array(t.args, E'\\000'))[6]))
                    ELSE k END
            )
            FROM pg_catalog.jsonb_array_elements(keys) AS k
        );
        EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', t.tgname, t.ref);
    END LOOP;
    FOR rel IN
        SELECT d.logicalrelid FROM pg_dist_partition AS d
        JOIN pg_catalog.pg_class AS c ON c.oid = d.logicalrelid
        WHERE c.relnamespace = 'cmms'::pg_catalog.regnamespace AND NOT c.relispartition
          AND c.relname <> 'organization_handles'
        ORDER BY c.relname
    LOOP
        PERFORM undistribute_table(rel);
    END LOOP;
    -- As pg_dump restores them: a body is checked when it runs, with its own search_path.
    PERFORM pg_catalog.set_config('check_function_bodies', 'off', TRUE);
    FOR f IN
        SELECT * FROM pg_catalog.jsonb_to_recordset(kept) AS k (
            name pg_catalog.text, def pg_catalog.text, owner pg_catalog.text, acl pg_catalog.text[],
            comment pg_catalog.text
        )
    LOOP
        EXECUTE f.def;
        EXECUTE pg_catalog.format('ALTER FUNCTION %s OWNER TO %I', f.name, f.owner);
        IF f.acl IS NOT NULL THEN
            EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f.name);
            FOR privilege IN
                SELECT a.grantee, a.privilege_type
                FROM pg_catalog.aclexplode(f.acl::pg_catalog.aclitem[]) AS a
                WHERE a.grantee <> f.owner::pg_catalog.regrole
            LOOP
                EXECUTE pg_catalog.format(
                    'GRANT %s ON FUNCTION %s TO %s', privilege.privilege_type, f.name,
                    CASE WHEN privilege.grantee = 0 THEN 'PUBLIC'
                        ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(privilege.grantee)) END
                );
            END LOOP;
        END IF;
        EXECUTE pg_catalog.format('COMMENT ON FUNCTION %s IS %L', f.name, f.comment);
    END LOOP;
    FOREACH statement IN ARRAY coalesce(restated, '{}') LOOP
        EXECUTE statement;
    END LOOP;
    FOR fk IN SELECT * FROM pg_catalog.jsonb_to_recordset(keys) AS k (
        conname pg_catalog.text, tab pg_catalog.text, def pg_catalog.text
    )
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.tab, fk.conname, fk.def);
    END LOOP;
END;
$$;

DROP FUNCTION cmms.citus_fk_set_null();
