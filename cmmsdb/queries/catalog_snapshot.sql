-- catalog_snapshot.sql: the user schema of the current database as one jsonb document.
--
-- Used by cmmsdb.catalog.snapshot(), which runs catalog_session.sql first (empty
-- search_path, fixed DateStyle/TimeZone/...) so that names are schema-qualified and
-- constants print the same way in every session.
--
-- The document holds no OIDs and nothing that depends on creation order: every collection
-- is a jsonb object keyed by name (jsonb sorts keys), every array is ordered by value or by
-- a catalog order that is part of the schema (enum labels, inheritance order). Objects that
-- belong to an extension (pg_depend deptype 'e') are left out; the extension is listed.
--
-- grants are the privileges that differ from the built-in default for the object's owner
-- (acldefault): "role=PRIV,PRIV" for an extra grant, "-role=PRIV" for a default privilege
-- that was revoked, "PRIV*" when granted WITH GRANT OPTION, PUBLIC for the public
-- pseudo-role. This hides the owner's implicit rights (and MAINTAIN, added to them in 17)
-- and makes GRANT followed by REVOKE leave no trace.
--
-- roles are cmmsdb's roles %(roles)s (text[]) that this database uses (see used_role):
-- their attributes, the roles each is a member of among those this database uses or that
-- are superusers or BYPASSRLS ("role WITH ADMIN, INHERIT, SET", the options any grant gives;
-- PostgreSQL 15 has no per-grant INHERIT and SET: there every membership allows SET ROLE and
-- inheritance follows the member's rolinherit, read through to_jsonb so that one text runs
-- on 15 and 16+), and their settings among %(settings)s (text[]: the ones that change what a
-- query sees), for every database or ("... in this database") the current one. Members
-- that are not cmmsdb's roles (the migrating login, the application's logins) belong to the
-- installation, not to the schema, and are left out. database.current.settings are the
-- current database's own settings among %(settings)s.
--
-- Only catalog columns present in PostgreSQL 15 are used. Parameters: %(exclude_schemas)s
-- (text[]), %(roles)s, %(settings)s. psycopg parses placeholders in this text, so it must
-- hold no other percent sign.
WITH
nsp AS (
    SELECT n.oid, n.nspname, n.nspowner, n.nspacl
    FROM pg_namespace AS n
    WHERE n.nspname !~ '^pg_'
      AND n.nspname <> 'information_schema'
      AND NOT n.nspname::text = ANY (%(exclude_schemas)s::text[])
),

ext_member AS (
    SELECT d.classid, d.objid
    FROM pg_depend AS d
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
),

rel AS (
    SELECT
        c.oid, c.relkind, c.relowner, c.relacl, c.reloptions, c.relam, c.relpersistence,
        c.relreplident, c.relrowsecurity, c.relforcerowsecurity, c.relispartition,
        c.relpartbound
    FROM pg_class AS c
    JOIN nsp AS n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
      AND NOT EXISTS (
          SELECT FROM ext_member AS e
          WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid
      )
),

-- Functions, without those made implicitly with another object (deptype 'i': the
-- constructors of a range type and of its multirange type).
fn AS (
    SELECT p.*
    FROM pg_proc AS p
    JOIN nsp AS n ON n.oid = p.pronamespace
    WHERE NOT EXISTS (
        SELECT FROM ext_member AS e
        WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid
    )
    AND NOT EXISTS (
        SELECT FROM pg_depend AS d
        WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'i'
    )
),

-- Stand-alone types: not array types, not the row types of tables and views, not the
-- multirange types that CREATE TYPE ... AS RANGE makes implicitly.
typ AS (
    SELECT t.*
    FROM pg_type AS t
    JOIN nsp AS n ON n.oid = t.typnamespace
    WHERE t.typtype IN ('b', 'c', 'd', 'e', 'r')
      AND (
          t.typtype <> 'c'
          OR (SELECT c.relkind FROM pg_class AS c WHERE c.oid = t.typrelid) = 'c'
      )
      AND NOT EXISTS (SELECT FROM pg_type AS el WHERE el.typarray = t.oid)
      AND NOT EXISTS (
          SELECT FROM ext_member AS e
          WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid
      )
),

-- Every ACL in scope with the default it is compared to.
acl_src AS (
    SELECT
        'pg_class'::regclass::oid AS classid, r.oid AS objid, 0 AS objsubid, r.relacl AS acl,
        acldefault(CASE r.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", r.relowner) AS dflt
    FROM rel AS r
    UNION ALL
    SELECT 'pg_class'::regclass::oid, a.attrelid, a.attnum, a.attacl, acldefault('c', r.relowner)
    FROM rel AS r
    JOIN pg_attribute AS a ON a.attrelid = r.oid
    WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL
    UNION ALL
    SELECT 'pg_namespace'::regclass::oid, n.oid, 0, n.nspacl, acldefault('n', n.nspowner)
    FROM nsp AS n
    UNION ALL
    SELECT 'pg_proc'::regclass::oid, p.oid, 0, p.proacl, acldefault('f', p.proowner)
    FROM fn AS p
    UNION ALL
    SELECT 'pg_type'::regclass::oid, t.oid, 0, t.typacl, acldefault('T', t.typowner)
    FROM typ AS t
    UNION ALL
    -- A default ACL for one schema adds to the built-in default; one for all schemas
    -- replaces it.
    SELECT
        'pg_default_acl'::regclass::oid, d.oid, 0, d.defaclacl,
        CASE
            WHEN d.defaclnamespace = 0
                THEN acldefault(
                    CASE d.defaclobjtype WHEN 'S' THEN 's' ELSE d.defaclobjtype END::"char",
                    d.defaclrole
                )
            ELSE '{}'::aclitem []
        END
    FROM pg_default_acl AS d
),

-- The effective ACL (NULL means the default) and the default, with empty arrays turned
-- into NULL: aclexplode rejects some empty ACLs (acldefault('c', ...) for one).
acl_norm AS (
    SELECT
        s.classid, s.objid, s.objsubid,
        CASE WHEN cardinality(coalesce(s.acl, s.dflt)) > 0 THEN coalesce(s.acl, s.dflt) END
            AS effective,
        CASE WHEN cardinality(s.dflt) > 0 THEN s.dflt END AS dflt
    FROM acl_src AS s
),

acl_delta AS (
    SELECT s.classid, s.objid, s.objsubid, x.grantee, x.privilege_type, x.is_grantable,
           false AS revoked
    FROM acl_norm AS s
    CROSS JOIN LATERAL (
        SELECT a.grantee, a.privilege_type, a.is_grantable FROM aclexplode(s.effective) AS a
        EXCEPT
        SELECT a.grantee, a.privilege_type, a.is_grantable FROM aclexplode(s.dflt) AS a
    ) AS x
    UNION ALL
    SELECT s.classid, s.objid, s.objsubid, x.grantee, x.privilege_type, x.is_grantable,
           true AS revoked
    FROM acl_norm AS s
    CROSS JOIN LATERAL (
        SELECT a.grantee, a.privilege_type, a.is_grantable FROM aclexplode(s.dflt) AS a
        EXCEPT
        SELECT a.grantee, a.privilege_type, a.is_grantable FROM aclexplode(s.effective) AS a
    ) AS x
),

grant_entry AS (
    SELECT
        d.classid, d.objid, d.objsubid,
        CASE WHEN d.revoked THEN '-' ELSE '' END
        || CASE WHEN d.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(d.grantee)::text END
        || '='
        || string_agg(
            d.privilege_type || CASE WHEN d.is_grantable THEN '*' ELSE '' END, ','
            ORDER BY d.privilege_type
        ) AS entry
    FROM acl_delta AS d
    GROUP BY d.classid, d.objid, d.objsubid, d.grantee, d.revoked
),

grants AS (
    SELECT g.classid, g.objid, g.objsubid, jsonb_agg(g.entry ORDER BY g.entry) AS grants
    FROM grant_entry AS g
    GROUP BY g.classid, g.objid, g.objsubid
),

-- Columns of tables, views and materialized views. position counts live columns only, so
-- a column added and dropped again leaves no gap.
col AS (
    SELECT
        a.attrelid,
        jsonb_object_agg(
            a.attname,
            jsonb_build_object(
                'position', a.position,
                'type', format_type(a.atttypid, a.atttypmod),
                'not_null', a.attnotnull,
                'default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END,
                'generated', CASE a.attgenerated
                    WHEN 's' THEN pg_get_expr(d.adbin, d.adrelid) || ' STORED'
                    WHEN 'v' THEN pg_get_expr(d.adbin, d.adrelid) || ' VIRTUAL'
                END,
                'identity', CASE a.attidentity
                    WHEN 'a' THEN 'ALWAYS'
                    WHEN 'd' THEN 'BY DEFAULT'
                END,
                'collation', CASE
                    WHEN a.attcollation <> t.typcollation THEN a.attcollation::regcollation::text
                END,
                'comment', col_description(a.attrelid, a.attnum),
                'grants', coalesce(g.grants, '[]'),
                -- SET STATISTICS (PostgreSQL 15 and 16 store the default as -1, 17 as NULL)
                -- and SET STORAGE when it differs from the type's.
                'statistics', nullif(a.attstattarget, -1),
                'storage', CASE WHEN a.attstorage <> t.typstorage THEN
                    CASE a.attstorage
                        WHEN 'p' THEN 'plain'
                        WHEN 'e' THEN 'external'
                        WHEN 'm' THEN 'main'
                        WHEN 'x' THEN 'extended'
                    END
                END
            )
        ) AS columns
    FROM (
        SELECT
            a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, a.attnotnull,
            a.attgenerated, a.attidentity, a.attcollation, a.attstattarget, a.attstorage,
            row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS position
        FROM pg_attribute AS a
        JOIN rel AS r ON r.oid = a.attrelid
        WHERE a.attnum > 0 AND NOT a.attisdropped AND r.relkind <> 'S'
    ) AS a
    JOIN pg_type AS t ON t.oid = a.atttypid
    LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    LEFT JOIN grants AS g
        ON g.classid = 'pg_class'::regclass AND g.objid = a.attrelid AND g.objsubid = a.attnum
    GROUP BY a.attrelid
),

-- Table constraints. NOT NULL is a column property here: PostgreSQL 18 also lists it as a
-- named constraint (contype 'n'), 15 does not. A foreign key that references a partitioned
-- table gets one hidden clone per referenced partition on the same table, named
-- differently by different versions (fkey1, fkey_1): only the declared one is listed.
con AS (
    SELECT
        c.conrelid,
        jsonb_object_agg(
            c.conname,
            jsonb_build_object(
                'definition', pg_get_constraintdef(c.oid),
                'comment', obj_description(c.oid, 'pg_constraint')
            )
        ) AS constraints
    FROM pg_constraint AS c
    JOIN rel AS r ON r.oid = c.conrelid
    WHERE c.contype IN ('c', 'f', 'p', 'u', 't', 'x')
      AND NOT EXISTS (
          SELECT FROM pg_constraint AS parent
          WHERE parent.oid = c.conparentid AND parent.conrelid = c.conrelid
      )
    GROUP BY c.conrelid
),

idx AS (
    SELECT
        i.indrelid,
        jsonb_object_agg(
            i.indexrelid::regclass::text,
            jsonb_build_object(
                'definition', pg_get_indexdef(i.indexrelid),
                'valid', i.indisvalid,
                'comment', obj_description(i.indexrelid, 'pg_class')
            )
        ) AS indexes
    FROM pg_index AS i
    JOIN rel AS r ON r.oid = i.indrelid
    GROUP BY i.indrelid
),

trg AS (
    SELECT
        t.tgrelid,
        jsonb_object_agg(
            t.tgname,
            jsonb_build_object(
                'definition', pg_get_triggerdef(t.oid),
                'enabled', CASE t.tgenabled
                    WHEN 'O' THEN 'origin'
                    WHEN 'D' THEN 'disabled'
                    WHEN 'R' THEN 'replica'
                    WHEN 'A' THEN 'always'
                END,
                'comment', obj_description(t.oid, 'pg_trigger')
            )
        ) AS triggers
    FROM pg_trigger AS t
    JOIN rel AS r ON r.oid = t.tgrelid
    WHERE NOT t.tgisinternal
    GROUP BY t.tgrelid
),

pol AS (
    SELECT
        p.polrelid,
        jsonb_object_agg(
            p.polname,
            jsonb_build_object(
                'command', CASE p.polcmd
                    WHEN 'r' THEN 'SELECT'
                    WHEN 'a' THEN 'INSERT'
                    WHEN 'w' THEN 'UPDATE'
                    WHEN 'd' THEN 'DELETE'
                    WHEN '*' THEN 'ALL'
                END,
                'permissive', p.polpermissive,
                'roles', (
                    SELECT jsonb_agg(u.name ORDER BY u.name)
                    FROM (
                        SELECT CASE
                            WHEN r.role = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r.role)::text
                        END
                        FROM unnest(p.polroles) AS r (role)
                    ) AS u (name)
                ),
                'using', pg_get_expr(p.polqual, p.polrelid),
                'with_check', pg_get_expr(p.polwithcheck, p.polrelid),
                'comment', obj_description(p.oid, 'pg_policy')
            )
        ) AS policies
    FROM pg_policy AS p
    JOIN rel AS r ON r.oid = p.polrelid
    GROUP BY p.polrelid
),

-- Rules other than the _RETURN rule that implements a view.
rul AS (
    SELECT
        w.ev_class,
        jsonb_object_agg(
            w.rulename,
            jsonb_build_object(
                'definition', btrim(regexp_replace(pg_get_ruledef(w.oid), '\s+', ' ', 'g')),
                'enabled', CASE w.ev_enabled
                    WHEN 'O' THEN 'origin'
                    WHEN 'D' THEN 'disabled'
                    WHEN 'R' THEN 'replica'
                    WHEN 'A' THEN 'always'
                END,
                'comment', obj_description(w.oid, 'pg_rewrite')
            )
        ) AS rules
    FROM pg_rewrite AS w
    JOIN rel AS r ON r.oid = w.ev_class
    WHERE w.rulename <> '_RETURN'
    GROUP BY w.ev_class
),

-- What every table, view and sequence has; storage options for tables and views.
rel_common AS (
    SELECT
        r.oid,
        jsonb_build_object(
            'owner', pg_get_userbyid(r.relowner),
            'comment', obj_description(r.oid, 'pg_class'),
            'grants', coalesce(g.grants, '[]')
        ) AS common,
        coalesce(
            (SELECT jsonb_agg(o ORDER BY o) FROM unnest(r.reloptions) AS o), '[]'
        ) AS reloptions
    FROM rel AS r
    LEFT JOIN grants AS g
        ON g.classid = 'pg_class'::regclass AND g.objid = r.oid AND g.objsubid = 0
),

tables AS (
    SELECT coalesce(jsonb_object_agg(
        r.oid::regclass::text,
        rc.common || jsonb_build_object(
            'reloptions', rc.reloptions,
            'kind', CASE r.relkind
                WHEN 'r' THEN 'table'
                WHEN 'p' THEN 'partitioned table'
                WHEN 'f' THEN 'foreign table'
            END,
            'access_method', (SELECT am.amname FROM pg_am AS am WHERE am.oid = r.relam),
            'unlogged', r.relpersistence = 'u',
            'replica_identity', CASE r.relreplident
                WHEN 'd' THEN 'default'
                WHEN 'n' THEN 'nothing'
                WHEN 'f' THEN 'full'
                WHEN 'i' THEN 'index'
            END,
            'rls_enabled', r.relrowsecurity,
            'rls_forced', r.relforcerowsecurity,
            'partition_key', CASE WHEN r.relkind = 'p' THEN pg_get_partkeydef(r.oid) END,
            'partition_bound', CASE
                WHEN r.relispartition THEN pg_get_expr(r.relpartbound, r.oid)
            END,
            'parent', (
                SELECT h.inhparent::regclass::text FROM pg_inherits AS h
                WHERE h.inhrelid = r.oid AND r.relispartition
            ),
            'inherits', coalesce((
                SELECT jsonb_agg(h.inhparent::regclass::text ORDER BY h.inhseqno)
                FROM pg_inherits AS h
                WHERE h.inhrelid = r.oid AND NOT r.relispartition
            ), '[]'),
            'columns', coalesce(c.columns, '{}'),
            'constraints', coalesce(k.constraints, '{}'),
            'indexes', coalesce(i.indexes, '{}'),
            'triggers', coalesce(t.triggers, '{}'),
            'policies', coalesce(p.policies, '{}'),
            'rules', coalesce(w.rules, '{}')
        )
    ), '{}') AS doc
    FROM rel AS r
    JOIN rel_common AS rc ON rc.oid = r.oid
    LEFT JOIN col AS c ON c.attrelid = r.oid
    LEFT JOIN con AS k ON k.conrelid = r.oid
    LEFT JOIN idx AS i ON i.indrelid = r.oid
    LEFT JOIN trg AS t ON t.tgrelid = r.oid
    LEFT JOIN pol AS p ON p.polrelid = r.oid
    LEFT JOIN rul AS w ON w.ev_class = r.oid
    WHERE r.relkind IN ('r', 'p', 'f')
),

views AS (
    SELECT coalesce(jsonb_object_agg(
        r.oid::regclass::text,
        rc.common || jsonb_build_object(
            'reloptions', rc.reloptions,
            'kind', CASE r.relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END,
            'definition', btrim(regexp_replace(pg_get_viewdef(r.oid), '\s+', ' ', 'g')),
            'columns', coalesce(c.columns, '{}'),
            'indexes', coalesce(i.indexes, '{}'),
            'triggers', coalesce(t.triggers, '{}'),
            'rules', coalesce(w.rules, '{}')
        )
    ), '{}') AS doc
    FROM rel AS r
    JOIN rel_common AS rc ON rc.oid = r.oid
    LEFT JOIN col AS c ON c.attrelid = r.oid
    LEFT JOIN idx AS i ON i.indrelid = r.oid
    LEFT JOIN trg AS t ON t.tgrelid = r.oid
    LEFT JOIN rul AS w ON w.ev_class = r.oid
    WHERE r.relkind IN ('v', 'm')
),

sequences AS (
    SELECT coalesce(jsonb_object_agg(
        r.oid::regclass::text,
        rc.common || jsonb_build_object(
            'type', format_type(s.seqtypid, NULL),
            'start', s.seqstart,
            'increment', s.seqincrement,
            'minimum', s.seqmin,
            'maximum', s.seqmax,
            'cache', s.seqcache,
            'cycle', s.seqcycle,
            'unlogged', r.relpersistence = 'u',
            'owned_by', (
                SELECT d.refobjid::regclass::text || '.' || quote_ident(a.attname)
                FROM pg_depend AS d
                JOIN pg_attribute AS a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid
                  AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
                  AND d.deptype IN ('a', 'i')
            )
        )
    ), '{}') AS doc
    FROM rel AS r
    JOIN rel_common AS rc ON rc.oid = r.oid
    JOIN pg_sequence AS s ON s.seqrelid = r.oid
    WHERE r.relkind = 'S'
),

functions AS (
    SELECT coalesce(jsonb_object_agg(
        p.oid::regprocedure::text,
        jsonb_build_object(
            'kind', CASE p.prokind
                WHEN 'f' THEN 'function'
                WHEN 'p' THEN 'procedure'
                WHEN 'a' THEN 'aggregate'
                WHEN 'w' THEN 'window'
            END,
            'arguments', pg_get_function_arguments(p.oid),
            'result', pg_get_function_result(p.oid),
            'language', (SELECT l.lanname FROM pg_language AS l WHERE l.oid = p.prolang),
            'volatility', CASE p.provolatile
                WHEN 'i' THEN 'immutable'
                WHEN 's' THEN 'stable'
                WHEN 'v' THEN 'volatile'
            END,
            'strict', p.proisstrict,
            'security_definer', p.prosecdef,
            'leakproof', p.proleakproof,
            'parallel', CASE p.proparallel
                WHEN 's' THEN 'safe'
                WHEN 'r' THEN 'restricted'
                WHEN 'u' THEN 'unsafe'
            END,
            'cost', p.procost,
            'rows', p.prorows,
            'config', coalesce(
                (SELECT jsonb_agg(o ORDER BY o) FROM unnest(p.proconfig) AS o), '[]'
            ),
            -- SQL-standard bodies (BEGIN ATOMIC) are stored parsed: deparse them.
            'body', CASE
                WHEN p.prosqlbody IS NOT NULL
                    THEN btrim(regexp_replace(pg_get_function_sqlbody(p.oid), '\s+', ' ', 'g'))
                ELSE btrim(p.prosrc, E' \t\r\n')
            END,
            'owner', pg_get_userbyid(p.proowner),
            'comment', obj_description(p.oid, 'pg_proc'),
            'grants', coalesce(g.grants, '[]')
        )
    ), '{}') AS doc
    FROM fn AS p
    LEFT JOIN grants AS g
        ON g.classid = 'pg_proc'::regclass AND g.objid = p.oid AND g.objsubid = 0
),

types AS (
    SELECT coalesce(jsonb_object_agg(
        format_type(t.oid, NULL),
        jsonb_build_object(
            'kind', CASE t.typtype
                WHEN 'b' THEN 'base'
                WHEN 'c' THEN 'composite'
                WHEN 'd' THEN 'domain'
                WHEN 'e' THEN 'enum'
                WHEN 'r' THEN 'range'
            END,
            'owner', pg_get_userbyid(t.typowner),
            'comment', obj_description(t.oid, 'pg_type'),
            'grants', coalesce(g.grants, '[]')
        )
        || CASE t.typtype
            WHEN 'e' THEN jsonb_build_object('labels', (
                SELECT jsonb_agg(e.enumlabel ORDER BY e.enumsortorder)
                FROM pg_enum AS e WHERE e.enumtypid = t.oid
            ))
            WHEN 'd' THEN jsonb_build_object(
                'base_type', format_type(t.typbasetype, t.typtypmod),
                'not_null', t.typnotnull,
                'default', pg_get_expr(t.typdefaultbin, 0),
                'collation', CASE
                    WHEN t.typcollation <> (
                        SELECT b.typcollation FROM pg_type AS b WHERE b.oid = t.typbasetype
                    ) THEN t.typcollation::regcollation::text
                END,
                'constraints', coalesce((
                    SELECT jsonb_object_agg(
                        c.conname,
                        jsonb_build_object(
                            'definition', pg_get_constraintdef(c.oid),
                            'comment', obj_description(c.oid, 'pg_constraint')
                        )
                    )
                    FROM pg_constraint AS c
                    WHERE c.contypid = t.oid AND c.contype = 'c'
                ), '{}')
            )
            WHEN 'c' THEN jsonb_build_object('attributes', coalesce((
                SELECT jsonb_object_agg(
                    a.attname,
                    jsonb_build_object(
                        'position', a.position,
                        'type', format_type(a.atttypid, a.atttypmod),
                        'collation', CASE
                            WHEN a.attcollation <> at.typcollation
                                THEN a.attcollation::regcollation::text
                        END,
                        'comment', col_description(a.attrelid, a.attnum)
                    )
                )
                FROM (
                    SELECT
                        a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod,
                        a.attcollation,
                        row_number() OVER (ORDER BY a.attnum) AS position
                    FROM pg_attribute AS a
                    WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
                ) AS a
                JOIN pg_type AS at ON at.oid = a.atttypid
            ), '{}'))
            WHEN 'r' THEN (
                SELECT jsonb_build_object(
                    'subtype', format_type(rg.rngsubtype, NULL),
                    'collation', CASE
                        WHEN rg.rngcollation <> 0 THEN rg.rngcollation::regcollation::text
                    END
                )
                FROM pg_range AS rg WHERE rg.rngtypid = t.oid
            )
            ELSE '{}'::jsonb
        END
    ), '{}') AS doc
    FROM typ AS t
    LEFT JOIN grants AS g
        ON g.classid = 'pg_type'::regclass AND g.objid = t.oid AND g.objsubid = 0
),

schemas AS (
    SELECT coalesce(jsonb_object_agg(
        n.nspname,
        jsonb_build_object(
            'owner', pg_get_userbyid(n.nspowner),
            'comment', obj_description(n.oid, 'pg_namespace'),
            'grants', coalesce(g.grants, '[]')
        )
    ), '{}') AS doc
    FROM nsp AS n
    LEFT JOIN grants AS g
        ON g.classid = 'pg_namespace'::regclass AND g.objid = n.oid AND g.objsubid = 0
),

extensions AS (
    SELECT coalesce(jsonb_object_agg(
        x.extname,
        jsonb_build_object('schema', n.nspname)
    ), '{}') AS doc
    FROM pg_extension AS x
    JOIN pg_namespace AS n ON n.oid = x.extnamespace
),

event_triggers AS (
    SELECT coalesce(jsonb_object_agg(
        e.evtname,
        jsonb_build_object(
            'event', e.evtevent,
            'function', e.evtfoid::regprocedure::text,
            'tags', coalesce(
                (SELECT jsonb_agg(tag ORDER BY tag) FROM unnest(e.evttags) AS tag), '[]'
            ),
            'enabled', CASE e.evtenabled
                WHEN 'O' THEN 'origin'
                WHEN 'D' THEN 'disabled'
                WHEN 'R' THEN 'replica'
                WHEN 'A' THEN 'always'
            END,
            'owner', pg_get_userbyid(e.evtowner),
            'comment', obj_description(e.oid, 'pg_event_trigger')
        )
    ), '{}') AS doc
    FROM pg_event_trigger AS e
    WHERE NOT EXISTS (
        SELECT FROM ext_member AS m
        WHERE m.classid = 'pg_event_trigger'::regclass AND m.objid = e.oid
    )
),

-- ALTER DEFAULT PRIVILEGES, keyed "for ROLE [in schema S] on OBJECTS".
default_privileges AS (
    SELECT coalesce(jsonb_object_agg(
        'for ' || pg_get_userbyid(d.defaclrole)
        || coalesce(' in schema ' || n.nspname, '')
        || ' on ' || CASE d.defaclobjtype
            WHEN 'r' THEN 'tables'
            WHEN 'S' THEN 'sequences'
            WHEN 'f' THEN 'functions'
            WHEN 'T' THEN 'types'
            WHEN 'n' THEN 'schemas'
            ELSE d.defaclobjtype::text
        END,
        jsonb_build_object('grants', coalesce(g.grants, '[]'))
    ), '{}') AS doc
    FROM pg_default_acl AS d
    LEFT JOIN nsp AS n ON n.oid = d.defaclnamespace
    LEFT JOIN grants AS g
        ON g.classid = 'pg_default_acl'::regclass AND g.objid = d.oid AND g.objsubid = 0
    WHERE d.defaclnamespace = 0 OR n.oid IS NOT NULL
),

-- Settings of roles and of databases, one "name=value" per setting in scope.
setting AS (
    SELECT d.setrole, d.setdatabase, s.setting
    FROM pg_db_role_setting AS d
    CROSS JOIN unnest(d.setconfig) AS s (setting)
    WHERE split_part(s.setting, '=', 1) = ANY (%(settings)s::text [])
      AND (
          d.setdatabase = 0
          OR d.setdatabase = (SELECT b.oid FROM pg_database AS b WHERE b.datname = current_database())
      )
),

-- Roles this database depends on: that own something in it, are granted something or are
-- named in a policy (pg_shdepend). A role of the cluster that this database does not use
-- (left behind by a rollback: roles belong to the cluster) is not part of its schema.
used_role AS (
    SELECT DISTINCT d.refobjid AS oid
    FROM pg_shdepend AS d
    WHERE d.refclassid = 'pg_authid'::regclass
      AND d.dbid = (SELECT b.oid FROM pg_database AS b WHERE b.datname = current_database())
),

membership AS (
    SELECT
        m.member,
        m.roleid,
        bool_or(m.admin_option) AS admin,
        bool_or(coalesce((to_jsonb(m) ->> 'inherit_option')::boolean, r.rolinherit)) AS inherit,
        bool_or(coalesce((to_jsonb(m) ->> 'set_option')::boolean, TRUE)) AS can_set
    FROM pg_auth_members AS m
    JOIN pg_roles AS r ON r.oid = m.member
    GROUP BY m.member, m.roleid
),

roles AS (
    SELECT coalesce(jsonb_object_agg(
        r.rolname,
        jsonb_build_object(
            'login', r.rolcanlogin,
            'superuser', r.rolsuper,
            'createrole', r.rolcreaterole,
            'createdb', r.rolcreatedb,
            'replication', r.rolreplication,
            'bypassrls', r.rolbypassrls,
            'inherit', r.rolinherit,
            'member_of', coalesce((
                SELECT jsonb_agg(
                    pg_get_userbyid(m.roleid)::text || coalesce(' WITH ' || nullif(concat_ws(
                        ', ',
                        CASE WHEN m.admin THEN 'ADMIN' END,
                        CASE WHEN m.inherit THEN 'INHERIT' END,
                        CASE WHEN m.can_set THEN 'SET' END
                    ), ''), ' WITHOUT ADMIN, INHERIT, SET')
                    ORDER BY pg_get_userbyid(m.roleid)
                )
                FROM membership AS m
                JOIN pg_roles AS g ON g.oid = m.roleid
                WHERE m.member = r.oid
                  AND (g.oid IN (SELECT u.oid FROM used_role AS u) OR g.rolsuper OR g.rolbypassrls)
            ), '[]'),
            'settings', coalesce((
                SELECT jsonb_agg(
                    s.setting || CASE WHEN s.setdatabase <> 0 THEN ' in this database' ELSE '' END
                    ORDER BY s.setting, s.setdatabase
                )
                FROM setting AS s
                WHERE s.setrole = r.oid
            ), '[]')
        )
    ), '{}') AS doc
    FROM pg_roles AS r
    WHERE r.rolname = ANY (%(roles)s::text [])
      AND r.oid IN (SELECT u.oid FROM used_role AS u)
),

-- Publications (logical replication): what they publish, of which tables and schemas.
publications AS (
    SELECT coalesce(jsonb_object_agg(
        p.pubname,
        jsonb_build_object(
            'owner', pg_get_userbyid(p.pubowner),
            'all_tables', p.puballtables,
            'operations', (
                SELECT coalesce(jsonb_agg(o.op ORDER BY o.op), '[]')
                FROM (VALUES
                    ('insert', p.pubinsert), ('update', p.pubupdate),
                    ('delete', p.pubdelete), ('truncate', p.pubtruncate)
                ) AS o (op, enabled)
                WHERE o.enabled
            ),
            'via_root', p.pubviaroot,
            'tables', coalesce((
                SELECT jsonb_agg(r.prrelid::regclass::text ORDER BY r.prrelid::regclass::text)
                FROM pg_publication_rel AS r
                WHERE r.prpubid = p.oid
            ), '[]'),
            'schemas', coalesce((
                SELECT jsonb_agg(n.nspname ORDER BY n.nspname)
                FROM pg_publication_namespace AS pn
                JOIN pg_namespace AS n ON n.oid = pn.pnnspid
                WHERE pn.pnpubid = p.oid
            ), '[]'),
            'comment', obj_description(p.oid, 'pg_publication')
        )
    ), '{}') AS doc
    FROM pg_publication AS p
),

database_doc AS (
    SELECT jsonb_build_object('current', jsonb_build_object(
        'settings', coalesce((
            SELECT jsonb_agg(s.setting ORDER BY s.setting)
            FROM setting AS s
            WHERE s.setrole = 0 AND s.setdatabase <> 0
        ), '[]')
    )) AS doc
)

SELECT jsonb_build_object(
    'roles', (SELECT doc FROM roles),
    'database', (SELECT doc FROM database_doc),
    'publications', (SELECT doc FROM publications),
    'schemas', (SELECT doc FROM schemas),
    'extensions', (SELECT doc FROM extensions),
    'tables', (SELECT doc FROM tables),
    'views', (SELECT doc FROM views),
    'sequences', (SELECT doc FROM sequences),
    'functions', (SELECT doc FROM functions),
    'types', (SELECT doc FROM types),
    'event_triggers', (SELECT doc FROM event_triggers),
    'default_privileges', (SELECT doc FROM default_privileges)
) AS snapshot;
