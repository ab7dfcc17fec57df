-- verify_active_views.sql: the soft-delete views. Every table of schema %(schema)s with a
-- deleted_at column (not a partition, not named in %(no_active_view)s) has a view
-- active_<table> WITH (security_invoker = true), so that the reader's row-level security
-- applies, that hides rows WHERE deleted_at IS NULL and shows every column of its table. A
-- view stores the columns it had when it was made (SELECT * included), so a column added
-- later, by a migration or a module, is not in it until the view is replaced. Credential
-- columns (%(secret_columns)s) are left out of views: the reporting role, which may not
-- read them, reads the views (rule readonly-secrets).
WITH soft AS (
    SELECT t.oid AS table_oid, v.oid AS view_oid, t.relname::text AS name
    FROM pg_class AS t
    INNER JOIN pg_attribute AS d
        ON d.attrelid = t.oid AND d.attname = 'deleted_at' AND NOT d.attisdropped
    LEFT JOIN pg_class AS v
        ON v.relnamespace = t.relnamespace AND v.relname = 'active_' || t.relname AND v.relkind = 'v'
    WHERE t.relnamespace = %(schema)s::regnamespace
      AND t.relkind IN ('r', 'p')
      AND NOT t.relispartition
      AND NOT t.relname::text = ANY (%(no_active_view)s::text [])
)

SELECT
    %(schema)s || '.' || quote_ident(s.name) AS object,
    'no soft-delete view ' || %(schema)s || '.' || quote_ident('active_' || s.name) AS message
FROM soft AS s
WHERE s.view_oid IS NULL
UNION ALL
SELECT s.view_oid::regclass::text, 'not WITH (security_invoker = true)'
FROM soft AS s
INNER JOIN pg_class AS v ON v.oid = s.view_oid
WHERE NOT coalesce('security_invoker=true' = ANY (v.reloptions), FALSE)
UNION ALL
SELECT s.view_oid::regclass::text, 'does not hide deleted rows (WHERE deleted_at IS NULL)'
FROM soft AS s
WHERE s.view_oid IS NOT NULL
  AND pg_get_viewdef(s.view_oid) NOT LIKE '%%deleted_at IS NULL%%'
UNION ALL
SELECT
    s.view_oid::regclass::text,
    'misses column' || CASE WHEN count(*) > 1 THEN 's ' ELSE ' ' END
    || string_agg(a.attname::text, ', ' ORDER BY a.attnum)
    || ' of ' || s.table_oid::regclass::text
FROM soft AS s
INNER JOIN pg_attribute AS a ON a.attrelid = s.table_oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE s.view_oid IS NOT NULL
  AND a.attname !~ %(secret_columns)s
  AND NOT EXISTS (
      SELECT FROM pg_attribute AS b
      WHERE b.attrelid = s.view_oid AND b.attname = a.attname AND NOT b.attisdropped
  )
GROUP BY s.view_oid, s.table_oid
ORDER BY 1, 2
