-- verify_active_views.sql: soft-delete views cmms.active_<table> that miss a column of their
-- table. A view stores the columns it had when it was made (SELECT * included), so a column
-- added later, by a migration or a module, is not in it until the view is replaced.
SELECT
    v.oid::regclass::text AS object,
    'misses column' || CASE WHEN count(*) > 1 THEN 's ' ELSE ' ' END
    || string_agg(a.attname::text, ', ' ORDER BY a.attnum)
    || ' of ' || t.oid::regclass::text AS message
FROM pg_class AS v
INNER JOIN pg_class AS t
    ON
        t.relnamespace = v.relnamespace
        AND 'active_' || t.relname::text = v.relname::text
        AND t.relkind IN ('r', 'p')
INNER JOIN pg_attribute AS a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE v.relnamespace = 'cmms'::regnamespace
  AND v.relkind = 'v'
  AND NOT EXISTS (
      SELECT FROM pg_attribute AS b
      WHERE b.attrelid = v.oid AND b.attname = a.attname AND NOT b.attisdropped
  )
GROUP BY v.oid, t.oid
ORDER BY 1
