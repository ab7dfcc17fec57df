-- Back to the invoker functions of 0131, owned by cmms_owner, EXECUTE for nobody (run by a
-- superuser or a BYPASSRLS role).
RESET ROLE;

-- Dropping the functions of cmms_archiver takes membership, for this transaction only.
-- cmmsdb: allow grant-role because the membership lasts this transaction only: revoked at the end
GRANT cmms_archiver TO cmms_owner;

SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms_archive.restore_work_orders(uuid, uuid[], timestamptz);

DROP FUNCTION cmms_archive.archive_work_orders(timestamptz, integer, boolean);

CREATE FUNCTION cmms_archive.archive_work_orders(p_before timestamptz, p_batch_size integer)
RETURNS TABLE (table_name text, row_count bigint)
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_orgs uuid[];
    v_ids uuid[];
    v_table text;
    v_cols text;
    v_where text;
    v_count bigint;
BEGIN
    IF NOT (SELECT r.rolsuper OR r.rolbypassrls FROM pg_catalog.pg_roles AS r
            WHERE r.rolname = pg_catalog.current_user()) THEN
        RAISE EXCEPTION 'cmms_archive.archive_work_orders must run as a role that bypasses RLS'
            USING ERRCODE = 'insufficient_privilege',
                HINT = 'connect as a superuser or a BYPASSRLS maintenance role';
    END IF;
    IF p_batch_size IS NULL OR p_batch_size < 1 THEN
        RAISE EXCEPTION 'batch size must be at least 1, not %', p_batch_size
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    SELECT pg_catalog.array_agg(w.organization_id), pg_catalog.array_agg(w.id)
    INTO v_orgs, v_ids
    FROM (
        SELECT wo.organization_id, wo.id
        FROM cmms.work_orders AS wo
        WHERE wo.status IN ('closed', 'cancelled')
            AND COALESCE(wo.completed_at, wo.updated_at) < p_before
            AND NOT EXISTS (
                SELECT FROM cmms.work_requests AS r
                WHERE r.organization_id = wo.organization_id AND r.work_order_id = wo.id
            )
            AND NOT EXISTS (
                SELECT FROM cmms.calendar_events AS e
                WHERE e.organization_id = wo.organization_id AND e.work_order_id = wo.id
            )
            AND NOT EXISTS (
                SELECT FROM cmms.part_transactions AS t
                WHERE t.organization_id = wo.organization_id AND t.work_order_id = wo.id
            )
        ORDER BY COALESCE(wo.completed_at, wo.updated_at)
        LIMIT p_batch_size
        FOR UPDATE OF wo SKIP LOCKED
    ) AS w;

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
        v_cols := cmms_archive.archive_columns(v_table);
        EXECUTE pg_catalog.format(
            'WITH moved AS (DELETE FROM cmms.%1$I AS x WHERE %2$s RETURNING x.*)'
            ' INSERT INTO cmms_archive.%1$I (%3$s) SELECT %3$s FROM moved',
            v_table, v_where, v_cols
        ) USING v_orgs, v_ids;
        GET DIAGNOSTICS v_count = ROW_COUNT;
        table_name := v_table;
        row_count := v_count;
        RETURN NEXT;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION cmms_archive.archive_work_orders(timestamptz, integer) IS
'Moves one batch (up to p_batch_size) of closed or cancelled work orders finished before p_before, '
'with their dependants, into cmms_archive; returns rows moved per table (none: nothing left). Skips '
'work orders locked by others and those that work requests, calendar events or part transactions '
'reference. Run by a role that bypasses RLS, one call per transaction.';

REVOKE EXECUTE ON FUNCTION cmms_archive.archive_work_orders(timestamptz, integer) FROM PUBLIC;

CREATE FUNCTION cmms_archive.restore_work_orders(p_organization_id uuid, p_ids uuid[])
RETURNS TABLE (table_name text, row_count bigint)
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_orgs uuid[];
    v_ids uuid[];
    v_table text;
    v_cols text;
    v_where text;
    v_count bigint;
BEGIN
    IF NOT (SELECT r.rolsuper OR r.rolbypassrls FROM pg_catalog.pg_roles AS r
            WHERE r.rolname = pg_catalog.current_user()) THEN
        RAISE EXCEPTION 'cmms_archive.restore_work_orders must run as a role that bypasses RLS'
            USING ERRCODE = 'insufficient_privilege',
                HINT = 'connect as a superuser or a BYPASSRLS maintenance role';
    END IF;

    SELECT pg_catalog.array_agg(w.organization_id), pg_catalog.array_agg(w.id)
    INTO v_orgs, v_ids
    FROM (
        SELECT a.organization_id, a.id
        FROM cmms_archive.work_orders AS a
        WHERE a.organization_id = p_organization_id AND a.id = ANY (p_ids)
        FOR UPDATE SKIP LOCKED
    ) AS w;

    IF v_ids IS NULL THEN
        RETURN;
    END IF;

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
                AND l.xmin = pg_catalog.pg_current_xact_id()::xid;
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
END;
$$;

COMMENT ON FUNCTION cmms_archive.restore_work_orders(uuid, uuid[]) IS
'Moves archived work orders of one organization (by id), with their dependants, back into cmms; '
'returns rows moved per table. The rows go back through INSERT, so the live tables'' insert triggers '
'run (the maintenance log that record_work_order_change adds is dropped). Fails, changing nothing, if'
' a row they reference (asset, user, part) is gone. Run by a role that bypasses RLS.';

REVOKE EXECUTE ON FUNCTION cmms_archive.restore_work_orders(uuid, uuid[]) FROM PUBLIC;

RESET ROLE;

REVOKE cmms_archiver FROM cmms_owner;
