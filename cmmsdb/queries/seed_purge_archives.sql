-- The tables of cmms_archive that hold tenant rows, and whether each is an archived monthly
-- partition of the audit trail (detached by `cmmsdb partitions maintain`; else an archive
-- table of `cmmsdb archive`: archived work orders and what hangs off them, restorations).
-- The fake tenants' rows in all of them go with the purge too.
SELECT
    quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS archive,
    c.relname ~ '^activity_logs_p[0-9]{4}_[0-9]{2}$' AS audit_partition
FROM pg_catalog.pg_class AS c
INNER JOIN pg_catalog.pg_namespace AS n ON c.relnamespace = n.oid
WHERE
    n.nspname = 'cmms_archive'
    AND c.relkind IN ('r', 'p')
    AND NOT c.relispartition
    AND EXISTS (
        SELECT FROM pg_catalog.pg_attribute AS a
        WHERE a.attrelid = c.oid AND a.attname = 'organization_id' AND NOT a.attisdropped
    )
ORDER BY 2, 1
