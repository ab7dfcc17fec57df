-- The tables with the audit trigger, and the columns the trigger leaves out of the trail
-- (generated columns: search vectors, references, sort keys).
SELECT
    c.relname::text,
    coalesce((
        SELECT array_agg(a.attname::text ORDER BY a.attnum)
        FROM pg_catalog.pg_attribute AS a
        WHERE a.attrelid = c.oid AND a.attgenerated <> '' AND NOT a.attisdropped
    ), '{}')
FROM pg_catalog.pg_trigger AS g
INNER JOIN pg_catalog.pg_class AS c ON g.tgrelid = c.oid
WHERE g.tgfoid = 'cmms.audit_row_change'::regproc AND NOT g.tgisinternal AND NOT c.relispartition
