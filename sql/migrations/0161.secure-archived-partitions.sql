-- Partitions that retention (`cmmsdb partitions maintain --retain`) detached into
-- cmms_archive before this version kept no row-level security: no longer read through their
-- parent, whose policies applied, they were protected only by holding no grant. Each table of
-- cmms_archive owned by cmms_owner that holds tenant rows (a column organization_id) and
-- does not force row-level security now enables and forces it (with no policy: only a role
-- that bypasses it reads the rows) and grants nothing to PUBLIC, cmms_app or cmms_readonly.
-- Retention does the same from now on (cmmsdb/queries/partitions_archive_secure.sql), and
-- `cmmsdb verify` checks it (rule archive-rls). A freshly migrated database has no such
-- table. The archive tables of 0130 already force it. The schema's comment, written when it
-- held detached partitions only, says what it holds now and how it is protected.
SET LOCAL ROLE cmms_owner;

COMMENT ON SCHEMA cmms_archive IS
'Archived tenant rows, kept out of the live tables: work orders moved by cmmsdb archive (with their '
'dependants; cmms_archive.restore_work_orders moves them back) and partitions detached by retention '
'(cmmsdb partitions maintain --retain), kept until a DBA drops them. Row-level security is forced on '
'every table; cmmsdb verify checks it (rule archive-rls).';

DO $$
DECLARE
    v_table pg_catalog.regclass;
BEGIN
    FOR v_table IN
        SELECT c.oid::pg_catalog.regclass
        FROM pg_catalog.pg_class AS c
        WHERE c.relnamespace = 'cmms_archive'::pg_catalog.regnamespace
            AND c.relkind = 'r'
            AND c.relowner = 'cmms_owner'::pg_catalog.regrole
            AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
            AND EXISTS (
                SELECT FROM pg_catalog.pg_attribute AS a
                WHERE a.attrelid = c.oid AND a.attname = 'organization_id' AND NOT a.attisdropped
            )
        ORDER BY 1
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', v_table);
        EXECUTE pg_catalog.format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', v_table);
        EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM PUBLIC, cmms_app, cmms_readonly', v_table);
    END LOOP;
END;
$$;
