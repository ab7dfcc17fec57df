-- The tables with the audit trigger, the columns the trigger records (generated columns,
-- such as search vectors, references and sort keys, are left out) and those of its secret
-- columns (redacted in the trail) that the table has.
SELECT
    c.relname::text,
    array_agg(a.attname::text ORDER BY a.attnum),
    array_agg(a.attname::text ORDER BY a.attnum) FILTER (
        WHERE a.attname IN ('password_hash', 'refresh_token_hash')
    )
FROM pg_catalog.pg_class AS c
INNER JOIN pg_catalog.pg_attribute AS a
    ON
        c.oid = a.attrelid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
WHERE
    NOT c.relispartition
    AND EXISTS (
        SELECT FROM pg_catalog.pg_trigger AS g
        WHERE
            g.tgrelid = c.oid AND g.tgfoid = 'cmms.audit_row_change'::regproc
            AND NOT g.tgisinternal
    )
GROUP BY c.relname
