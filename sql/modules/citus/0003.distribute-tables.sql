-- Citus scale-out (`cmmsdb migrate --with citus`, on a Citus coordinator): every tenant table
-- of schema cmms becomes a distributed table by organization_id, co-located with
-- organizations (distributed by id), so that a tenant's rows of every table live in one shard
-- group on one worker; the tables without a tenant become reference tables (a copy on every
-- node). Partitioned tables (activity_logs by month, work_orders by hash) are distributed
-- with their partitions; partitions made later follow their parent.
--
-- Foreign keys: every foreign key between tenant tables already includes organization_id,
-- which Citus requires. Citus 13 refuses ON DELETE SET NULL (col) on a foreign key that
-- includes the distribution column, so those keys become ON DELETE NO ACTION, and a row
-- trigger on the referenced table (citus_fk_set_null_<constraint>) clears the referencing
-- columns before the row goes: the same effect, in the same statement, on the same worker
-- (the rows are the same tenant's). The trigger keeps the key's original definition, which
-- the rollback restores. The keys are dropped while the tables are distributed and added
-- again afterwards (organizations and attachments reference each other).
--
-- Row-level triggers (updated_at, audit, domain rules) are kept: they run on the worker, on
-- the shard the row is in, and every table they write is co-located with it (the same
-- tenant, the same worker): citus.enable_unsafe_triggers acknowledges that. Needs a
-- superuser: Citus creates the shards, and the objects they depend on, on every worker.
--
-- Rows already in the tables (a database restored onto the coordinator) are copied into the
-- shards, which have their triggers by then: the triggers an INSERT fires are off while the
-- tables are distributed, and on again afterwards, or each row would be audited again as
-- new (and the audit trigger would look for an activity_logs shard not made yet). The rows
-- were checked when they were written.
-- requires-extension: citus

RESET ROLE;

SELECT set_config('citus.enable_unsafe_triggers', 'on', TRUE);

SELECT set_config('citus.multi_shard_modify_mode', 'sequential', TRUE);

CREATE FUNCTION cmms.citus_fk_set_null()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- TG_ARGV: referencing table, its key columns, the referenced columns (same order),
    -- the columns ON DELETE SET NULL clears, the original constraint name and definition.
    referencing pg_catalog.text[] := pg_catalog.string_to_array(TG_ARGV[1], ',');
    referenced pg_catalog.text[] := pg_catalog.string_to_array(TG_ARGV[2], ',');
    cleared pg_catalog.text[] := pg_catalog.string_to_array(TG_ARGV[3], ',');
    condition pg_catalog.text;
    assignments pg_catalog.text;
BEGIN
    SELECT pg_catalog.string_agg(pg_catalog.format('%I = ($1).%I', c, referenced[i]), ' AND ')
    INTO condition
    FROM pg_catalog.unnest(referencing) WITH ORDINALITY AS u (c, i);
    SELECT pg_catalog.string_agg(pg_catalog.format('%I = NULL', c), ', ')
    INTO assignments
    FROM pg_catalog.unnest(cleared) AS c;
    EXECUTE pg_catalog.format('UPDATE %s SET %s WHERE %s', TG_ARGV[0], assignments, condition)
    USING OLD;
    RETURN OLD;
END;
$$;

ALTER FUNCTION cmms.citus_fk_set_null() OWNER TO cmms_owner;

COMMENT ON FUNCTION cmms.citus_fk_set_null() IS
'On Citus: what ON DELETE SET NULL (col) did on a foreign key that includes organization_id '
'(Citus refuses it): clears the referencing columns before the referenced row is deleted.';

DO $$
DECLARE
    fk record;
    trigger record;
    rel pg_catalog.regclass;
    keys pg_catalog.jsonb := '[]';
    triggers pg_catalog.jsonb := '[]';
BEGIN
    -- Every foreign key of cmms (on partitioned tables, the parent's only), kept and dropped.
    FOR fk IN
        SELECT
            c.conname, c.conrelid::pg_catalog.regclass AS tab, c.confrelid::pg_catalog.regclass AS ref,
            c.confdeltype, pg_catalog.pg_get_constraintdef(c.oid) AS def,
            (SELECT pg_catalog.string_agg(a.attname, ',' ORDER BY k.i) FROM pg_catalog.unnest(c.conkey) WITH ORDINALITY AS k (n, i)
             JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS cols,
            (SELECT pg_catalog.string_agg(a.attname, ',' ORDER BY k.i) FROM pg_catalog.unnest(c.confkey) WITH ORDINALITY AS k (n, i)
             JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.confrelid AND a.attnum = k.n) AS refcols,
            (SELECT pg_catalog.string_agg(a.attname, ',' ORDER BY k.i) FROM pg_catalog.unnest(coalesce(c.confdelsetcols, c.conkey)) WITH ORDINALITY AS k (n, i)
             JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS setcols
        FROM pg_catalog.pg_constraint AS c
        WHERE c.contype = 'f' AND c.conparentid = 0
          AND c.connamespace = 'cmms'::pg_catalog.regnamespace
        ORDER BY c.conrelid::pg_catalog.regclass::pg_catalog.text, c.conname
    LOOP
        keys := keys || pg_catalog.jsonb_build_array(pg_catalog.to_jsonb(fk));
        EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', fk.tab, fk.conname);
    END LOOP;
    -- The triggers that an INSERT fires (bit 4 of tgtype) off while rows are copied into the
    -- shards (a partition's follow its parent's), on again below.
    FOR trigger IN
        SELECT t.tgrelid::pg_catalog.regclass AS tab, t.tgname
        FROM pg_catalog.pg_trigger AS t
        INNER JOIN pg_catalog.pg_class AS c ON c.oid = t.tgrelid
        WHERE c.relnamespace = 'cmms'::pg_catalog.regnamespace AND NOT t.tgisinternal
          AND t.tgparentid = 0 AND t.tgenabled = 'O' AND (t.tgtype & 4) <> 0
        ORDER BY 1, 2
    LOOP
        triggers := triggers || pg_catalog.jsonb_build_array(pg_catalog.to_jsonb(trigger));
        EXECUTE pg_catalog.format('ALTER TABLE %s DISABLE TRIGGER %I', trigger.tab, trigger.tgname);
    END LOOP;
    PERFORM create_distributed_table('cmms.organizations', 'id');
    -- The other tables of cmms that are not partitions: reference tables (no
    -- organization_id), then tenant tables, distributed by organization_id with organizations.
    FOR rel IN
        SELECT c.oid::pg_catalog.regclass
        FROM pg_catalog.pg_class AS c
        WHERE c.relnamespace = 'cmms'::pg_catalog.regnamespace
          AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND NOT EXISTS (SELECT FROM pg_dist_partition AS d WHERE d.logicalrelid = c.oid)
        ORDER BY EXISTS (
            SELECT FROM pg_catalog.pg_attribute AS a
            WHERE a.attrelid = c.oid AND a.attname = 'organization_id' AND NOT a.attisdropped
        ), c.relname
    LOOP
        IF EXISTS (
            SELECT FROM pg_catalog.pg_attribute AS a
            WHERE a.attrelid = rel AND a.attname = 'organization_id' AND NOT a.attisdropped
        ) THEN
            PERFORM create_distributed_table(rel, 'organization_id', colocate_with => 'cmms.organizations');
        ELSE
            PERFORM create_reference_table(rel);
        END IF;
    END LOOP;
    -- The foreign keys again; ON DELETE SET NULL becomes NO ACTION plus the trigger.
    FOR fk IN SELECT * FROM pg_catalog.jsonb_to_recordset(keys) AS k (
        conname pg_catalog.text, tab pg_catalog.text, ref pg_catalog.text, confdeltype pg_catalog.text,
        def pg_catalog.text, cols pg_catalog.text, refcols pg_catalog.text, setcols pg_catalog.text
    )
    LOOP
        IF fk.confdeltype = 'n' THEN
            EXECUTE pg_catalog.format(
                'ALTER TABLE %s ADD CONSTRAINT %I %s', fk.tab, fk.conname,
                pg_catalog.regexp_replace(fk.def, ' ON DELETE SET NULL( \([^)]*\))?', '')
            );
            EXECUTE pg_catalog.format(
                'CREATE TRIGGER %I BEFORE DELETE ON %s FOR EACH ROW'
                ' EXECUTE FUNCTION cmms.citus_fk_set_null(%L, %L, %L, %L, %L, %L)',
                pg_catalog.left('citus_fk_set_null_' || fk.conname, 63), fk.ref,
                fk.tab, fk.cols, fk.refcols, fk.setcols, fk.conname, fk.def
            );
        ELSE
            EXECUTE pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.tab, fk.conname, fk.def);
        END IF;
    END LOOP;
    FOR trigger IN
        SELECT * FROM pg_catalog.jsonb_to_recordset(triggers) AS t (tab pg_catalog.text, tgname pg_catalog.text)
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE TRIGGER %I', trigger.tab, trigger.tgname);
    END LOOP;
END;
$$;

-- Every function of cmms on every node, kept in step from now on (a function that a trigger
-- or another function calls by name is no dependency Citus could find): distributed
-- functions without a distribution argument, which run where they are called.
DO $$
DECLARE
    f pg_catalog.regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::pg_catalog.regprocedure
        FROM pg_catalog.pg_proc AS p
        WHERE p.pronamespace = 'cmms'::pg_catalog.regnamespace
          AND NOT EXISTS (
              SELECT FROM pg_dist_object AS o
              WHERE o.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND o.objid = p.oid
          )
        ORDER BY 1
    LOOP
        PERFORM create_distributed_function(f);
    END LOOP;
END;
$$;
