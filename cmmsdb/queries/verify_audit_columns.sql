-- verify_audit_columns.sql: tables of schema cmms (not partitions) that lack one of the
-- bookkeeping columns every table carries: created_at, updated_at, deleted_at, created_by,
-- updated_by.
SELECT
    c.oid::regclass::text AS object,
    'missing column' || CASE WHEN count(*) > 1 THEN 's ' ELSE ' ' END
    || string_agg(w.name, ', ' ORDER BY w.n) AS message
FROM pg_class AS c
CROSS JOIN unnest(
    ARRAY['created_at', 'updated_at', 'deleted_at', 'created_by', 'updated_by']
) WITH ORDINALITY AS w (name, n)
WHERE c.relnamespace = %(schema)s::regnamespace
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND NOT EXISTS (
      SELECT FROM pg_attribute AS a
      WHERE a.attrelid = c.oid AND a.attname = w.name AND NOT a.attisdropped
  )
GROUP BY c.oid
ORDER BY 1
