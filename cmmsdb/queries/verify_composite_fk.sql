-- verify_composite_fk.sql: foreign keys in schema cmms that reference a tenant table (one
-- with an organization_id column) without including that column. Such a key can point at
-- another tenant's row: the check that enforces it bypasses row-level security.
SELECT
    k.conrelid::regclass::text || '.' || quote_ident(k.conname) AS object,
    'foreign key to ' || k.confrelid::regclass::text
    || ' is not composite: reference (' || %(tenant_key)s || ', ...)' AS message
FROM pg_constraint AS k
JOIN pg_attribute AS o
    ON o.attrelid = k.confrelid AND o.attname = %(tenant_key)s AND NOT o.attisdropped
WHERE k.contype = 'f'
  AND k.connamespace = %(schema)s::regnamespace
  AND NOT o.attnum = ANY (k.confkey)
ORDER BY 1
