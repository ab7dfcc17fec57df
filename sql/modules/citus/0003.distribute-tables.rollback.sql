-- Every table of cmms local to the coordinator again (undistribute_table copies the rows
-- back), then the foreign keys as the single-server schema has them: those that were
-- ON DELETE SET NULL (col) again, from the definition their trigger kept.
RESET ROLE;

SELECT set_config('citus.enable_unsafe_triggers', 'on', TRUE);

SELECT set_config('citus.multi_shard_modify_mode', 'sequential', TRUE);

DO $$
DECLARE
    fk record;
    rel pg_catalog.regclass;
    keys pg_catalog.jsonb := '[]';
    t record;
BEGIN
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
    FOR fk IN SELECT * FROM pg_catalog.jsonb_to_recordset(keys) AS k (
        conname pg_catalog.text, tab pg_catalog.text, def pg_catalog.text
    )
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.tab, fk.conname, fk.def);
    END LOOP;
END;
$$;

DROP FUNCTION cmms.citus_fk_set_null();
