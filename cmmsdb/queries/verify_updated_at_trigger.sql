-- verify_updated_at_trigger.sql: tables of schema cmms (not partitions) without an enabled
-- trigger that calls cmms.set_updated_at(), except those named in %(no_updated_at)s
-- (text[], table names): their updated_at would go stale.
SELECT
    c.oid::regclass::text AS object,
    'no enabled trigger calls cmms.set_updated_at()' AS message
FROM pg_class AS c
WHERE c.relnamespace = %(schema)s::regnamespace
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND NOT c.relname::text = ANY (%(no_updated_at)s::text [])
  AND NOT EXISTS (
      SELECT FROM pg_trigger AS t
      JOIN pg_proc AS p ON p.oid = t.tgfoid
      WHERE t.tgrelid = c.oid
        AND NOT t.tgisinternal
        AND t.tgenabled = 'O'
        AND p.pronamespace = %(schema)s::regnamespace
        AND p.proname = 'set_updated_at'
  )
ORDER BY 1
