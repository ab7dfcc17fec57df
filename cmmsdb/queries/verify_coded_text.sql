-- verify_coded_text.sql: status, priority and type columns (named status, priority, type
-- or ending in _status, _priority, _type) of tables of schema %(schema)s that are not text
-- checked by a constraint. Codes are text with CHECK constraints, not enums: a constraint
-- is replaced in one migration, an enum value cannot be removed.
SELECT
    c.oid::regclass::text || '.' || quote_ident(a.attname) AS object,
    CASE
        WHEN a.atttypid <> 'pg_catalog.text'::regtype
            THEN 'is ' || format_type(a.atttypid, a.atttypmod) || ', not text with a CHECK'
        ELSE 'no CHECK constraint limits its values'
    END AS message
FROM pg_class AS c
INNER JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relnamespace = %(schema)s::regnamespace
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND a.attname ~ '^(status|priority|type|[a-z_]+_(status|type|priority))$'
  AND NOT (
      a.atttypid = 'pg_catalog.text'::regtype
      AND EXISTS (
          SELECT FROM pg_constraint AS k
          WHERE k.conrelid = c.oid AND k.contype = 'c' AND a.attnum = ANY (k.conkey)
      )
  )
ORDER BY 1
