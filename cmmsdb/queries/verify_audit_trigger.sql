-- verify_audit_trigger.sql: tenant tables (%(tenant_tables)s, text[]: tenant_tables.sql's)
-- whose enabled AFTER triggers calling cmms.audit_row_change() do not cover INSERT, UPDATE
-- and DELETE, except those named in %(not_audited)s (text[], table names): the changes
-- they miss would leave no trace in the audit trail. (tgtype bits: 2 BEFORE, 4 INSERT,
-- 8 DELETE, 16 UPDATE.)
SELECT
    c.oid::regclass::text AS object,
    'no audit trigger for ' || array_to_string(
        array_remove(ARRAY[
            CASE WHEN coalesce(bit_or(t.tgtype), 0) & 4 = 0 THEN 'INSERT' END,
            CASE WHEN coalesce(bit_or(t.tgtype), 0) & 16 = 0 THEN 'UPDATE' END,
            CASE WHEN coalesce(bit_or(t.tgtype), 0) & 8 = 0 THEN 'DELETE' END
        ], NULL),
        ', '
    ) || ' (an AFTER trigger that calls cmms.audit_row_change())' AS message
FROM pg_class AS c
LEFT JOIN pg_trigger AS t
    ON
        c.oid = t.tgrelid
        AND NOT t.tgisinternal
        AND t.tgenabled <> 'D'
        AND t.tgtype & 2 = 0
        AND t.tgfoid = to_regprocedure(%(schema)s || '.audit_row_change()')
WHERE
    c.relnamespace = %(schema)s::regnamespace
    AND c.relname = ANY(%(tenant_tables)s::text [])
    AND NOT c.relname::text = ANY(%(not_audited)s::text [])
GROUP BY c.oid
HAVING coalesce(bit_or(t.tgtype), 0) & 28 <> 28
ORDER BY 1
