-- Archiving leaves restored work orders live (issue 16, item 5): the functions of 0160, and
--   restore_work_orders records each work order it moves back in cmms_archive.restorations
--       (0180; a later restore moves restored_at forward);
--   archive_work_orders skips a work order restored at or after its cut-off (a restore
--       counts as a finish: the work order stays live another full period), in a run and in
--       the count-only dry run alike (one query picks them), and forgets the restorations of
--       the work orders it moves.
-- Replaced in place (CREATE OR REPLACE): owner cmms_archiver, EXECUTE for cmms_maintainer and
-- every other property of 0160 stay.
RESET ROLE;

-- Replacing cmms_archiver's functions takes membership, for this transaction only.
-- cmmsdb: allow grant-role because the membership lasts this transaction only: revoked at the end
GRANT cmms_archiver TO cmms_owner;

SET LOCAL ROLE cmms_owner;

CREATE OR REPLACE FUNCTION cmms_archive.archive_work_orders(
    p_before timestamptz, p_batch_size integer, p_count_only boolean DEFAULT FALSE
)
RETURNS TABLE (table_name text, row_count bigint)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_orgs pg_catalog.uuid[];
    v_ids pg_catalog.uuid[];
    v_table pg_catalog.text;
    v_cols pg_catalog.text;
    v_where pg_catalog.text;
    v_count pg_catalog.int8;
BEGIN
    IF p_before IS NULL THEN
        RAISE EXCEPTION 'the cut-off must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_batch_size IS NULL OR p_batch_size < 1 THEN
        RAISE EXCEPTION 'batch size must be at least 1, not %', p_batch_size
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- A batch locks the oldest ones, skipping those others hold; a count reads them all.
    EXECUTE
        'SELECT pg_catalog.array_agg(w.organization_id), pg_catalog.array_agg(w.id) FROM ('
        || ' SELECT wo.organization_id, wo.id FROM cmms.work_orders AS wo'
        || ' WHERE wo.status IN (''closed'', ''cancelled'')'
        || ' AND COALESCE(wo.completed_at, wo.updated_at) < $1'
        || ' AND NOT EXISTS (SELECT FROM cmms.work_requests AS r'
        || '     WHERE r.organization_id = wo.organization_id AND r.work_order_id = wo.id)'
        || ' AND NOT EXISTS (SELECT FROM cmms.calendar_events AS e'
        || '     WHERE e.organization_id = wo.organization_id AND e.work_order_id = wo.id)'
        || ' AND NOT EXISTS (SELECT FROM cmms.part_transactions AS t'
        || '     WHERE t.organization_id = wo.organization_id AND t.work_order_id = wo.id)'
        || ' AND NOT EXISTS (SELECT FROM cmms_archive.restorations AS rs'
        || '     WHERE rs.organization_id = wo.organization_id AND rs.work_order_id = wo.id'
        || '     AND rs.restored_at >= $1)'
        || CASE WHEN p_count_only THEN '' ELSE
            ' ORDER BY COALESCE(wo.completed_at, wo.updated_at) LIMIT $2'
            || ' FOR UPDATE OF wo SKIP LOCKED'
        END
        || ') AS w'
    INTO v_orgs, v_ids
    USING p_before, p_batch_size;

    IF v_ids IS NULL THEN
        RETURN;
    END IF;

    -- Dependants first (checklist items and signatures before their checklists), the work
    -- orders last, so no foreign key ever points at a row already gone.
    FOREACH v_table IN ARRAY ARRAY[
        'checklist_items', 'checklist_signatures', 'checklists', 'work_order_assets',
        'maintenance_logs', 'comments', 'labor_entries', 'work_order_parts_used',
        'attachments', 'work_orders'
    ] LOOP
        v_where := cmms_archive.archive_filter(v_table);
        IF p_count_only THEN
            EXECUTE pg_catalog.format(
                'SELECT pg_catalog.count(*) FROM cmms.%1$I AS x WHERE %2$s', v_table, v_where
            ) INTO v_count USING v_orgs, v_ids;
        ELSE
            v_cols := cmms_archive.archive_columns(v_table);
            EXECUTE pg_catalog.format(
                'WITH moved AS (DELETE FROM cmms.%1$I AS x WHERE %2$s RETURNING x.*)'
                ' INSERT INTO cmms_archive.%1$I (%3$s) SELECT %3$s FROM moved',
                v_table, v_where, v_cols
            ) USING v_orgs, v_ids;
            GET DIAGNOSTICS v_count = ROW_COUNT;
        END IF;
        table_name := v_table;
        row_count := v_count;
        RETURN NEXT;
    END LOOP;

    -- Archived again: their restorations are history (a restore records them afresh).
    IF NOT p_count_only THEN
        DELETE FROM cmms_archive.restorations AS rs
        WHERE (rs.organization_id, rs.work_order_id) IN (
                SELECT * FROM ROWS FROM (pg_catalog.unnest(v_orgs), pg_catalog.unnest(v_ids))
            );
    END IF;
END;
$$;

COMMENT ON FUNCTION cmms_archive.archive_work_orders(timestamptz, integer, boolean) IS
'Moves one batch (up to p_batch_size) of closed or cancelled work orders finished before p_before, '
'with their dependants, into cmms_archive; returns rows moved per table (none: nothing left). Skips '
'work orders locked by others, those that work requests, calendar events or part transactions '
'reference, and those restored (cmms_archive.restorations) at or after p_before. p_count_only: moves '
'nothing, locks nothing, counts what would move (all batches). '
'SECURITY DEFINER (cmms_archiver), EXECUTE for cmms_maintainer; one call per transaction.';

CREATE OR REPLACE FUNCTION cmms_archive.restore_work_orders(
    p_organization_id uuid, p_ids uuid[] DEFAULT NULL, p_archived_since timestamptz DEFAULT NULL
)
RETURNS TABLE (table_name text, row_count bigint)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_orgs pg_catalog.uuid[];
    v_ids pg_catalog.uuid[];
    v_table pg_catalog.text;
    v_cols pg_catalog.text;
    v_where pg_catalog.text;
    v_count pg_catalog.int8;
    v_context pg_catalog.text[] := ARRAY[
        pg_catalog.current_setting('cmms.org_id', TRUE),
        pg_catalog.current_setting('cmms.user_id', TRUE),
        pg_catalog.current_setting('cmms.context_transaction', TRUE)
    ];
BEGIN
    IF p_organization_id IS NULL OR (p_ids IS NULL AND p_archived_since IS NULL) THEN
        RAISE EXCEPTION 'restore_work_orders takes an organization and work order ids or a date'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    SELECT pg_catalog.array_agg(w.organization_id), pg_catalog.array_agg(w.id)
    INTO v_orgs, v_ids
    FROM (
        SELECT a.organization_id, a.id
        FROM cmms_archive.work_orders AS a
        WHERE a.organization_id = p_organization_id
            AND (a.id = ANY (p_ids) OR a.archived_at >= p_archived_since)
        FOR UPDATE SKIP LOCKED
    ) AS w;

    IF v_ids IS NULL THEN
        RETURN;
    END IF;

    -- The live tables' triggers (rules, required custom fields) read the tenant's rows.
    PERFORM cmms.set_context(p_organization_id);

    -- Work orders first, checklists before their items and signatures.
    FOREACH v_table IN ARRAY ARRAY[
        'work_orders', 'checklists', 'checklist_items', 'checklist_signatures',
        'work_order_assets', 'maintenance_logs', 'comments', 'labor_entries',
        'work_order_parts_used', 'attachments'
    ] LOOP
        v_where := cmms_archive.archive_filter(v_table);
        IF v_table = 'maintenance_logs' THEN
            -- The insert trigger of work_orders (record_work_order_change) has just logged
            -- each restored work order's status as if it were new: the archived log holds
            -- the real history, so the rows this transaction made are dropped.
            DELETE FROM cmms.maintenance_logs AS l
            WHERE (l.organization_id, l.work_order_id) IN (
                    SELECT * FROM ROWS FROM (pg_catalog.unnest(v_orgs), pg_catalog.unnest(v_ids))
                )
                AND l.xmin = pg_catalog.pg_current_xact_id()::pg_catalog.xid;
        END IF;
        v_cols := cmms_archive.archive_columns(v_table);
        EXECUTE pg_catalog.format(
            'WITH moved AS (DELETE FROM cmms_archive.%1$I AS x WHERE %2$s RETURNING x.*)'
            ' INSERT INTO cmms.%1$I (%3$s) SELECT %3$s FROM moved',
            v_table, v_where, v_cols
        ) USING v_orgs, v_ids;
        GET DIAGNOSTICS v_count = ROW_COUNT;
        table_name := v_table;
        row_count := v_count;
        RETURN NEXT;
    END LOOP;

    -- Recorded as restored now: archiving leaves them live for another full period.
    INSERT INTO cmms_archive.restorations AS rs (organization_id, work_order_id, restored_at)
    SELECT w.organization_id, w.id, pg_catalog.now()
    FROM ROWS FROM (pg_catalog.unnest(v_orgs), pg_catalog.unnest(v_ids)) AS w (organization_id, id)
    ON CONFLICT (organization_id, work_order_id) DO UPDATE SET restored_at = excluded.restored_at;

    -- The required-custom-field checks of the restored rows are deferred to commit, where,
    -- before PostgreSQL 18, they would run as the caller (a maintainer, who may not read
    -- cmms): they run now, as the definer under the tenant's context, then defer again.
    SET CONSTRAINTS
    cmms.work_orders_required_custom_fields, cmms.checklists_required_custom_fields,
    cmms.comments_required_custom_fields IMMEDIATE;
    SET CONSTRAINTS
    cmms.work_orders_required_custom_fields, cmms.checklists_required_custom_fields,
    cmms.comments_required_custom_fields DEFERRED;

    -- The caller's context back (none: empty, which is no context).
    PERFORM pg_catalog.set_config('cmms.org_id', COALESCE(v_context[1], ''), TRUE);
    PERFORM pg_catalog.set_config('cmms.user_id', COALESCE(v_context[2], ''), TRUE);
    PERFORM pg_catalog.set_config('cmms.context_transaction', COALESCE(v_context[3], ''), TRUE);
END;
$$;

COMMENT ON FUNCTION cmms_archive.restore_work_orders(uuid, uuid[], timestamptz) IS
'Moves archived work orders of one organization (those whose id is in p_ids, or archived at or after '
'p_archived_since), with their dependants, back into cmms; returns rows moved per table. The rows go '
'back through INSERT under the tenant''s context, so the live tables'' insert triggers run (the '
'maintenance log that record_work_order_change adds is dropped). Fails, changing nothing, if a row '
'they reference (asset, user, part) is gone. Records each in cmms_archive.restorations (archiving '
'then leaves it live for a full period). SECURITY DEFINER (cmms_archiver), EXECUTE for '
'cmms_maintainer.';

RESET ROLE;

REVOKE cmms_archiver FROM cmms_owner;
