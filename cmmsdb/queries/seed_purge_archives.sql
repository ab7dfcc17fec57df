-- The archived monthly partitions of the audit trail (detached into cmms_archive by
-- `cmmsdb partitions maintain`): the fake tenants' records there go with the purge too.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
FROM pg_catalog.pg_class AS c
INNER JOIN pg_catalog.pg_namespace AS n ON c.relnamespace = n.oid
WHERE
    n.nspname = 'cmms_archive'
    AND c.relkind = 'r'
    AND c.relname ~ '^activity_logs_p[0-9]{4}_[0-9]{2}$'
ORDER BY c.relname
