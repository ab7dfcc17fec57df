-- verify_comments.sql: tables (not partitions), views and functions of schema cmms without a
-- COMMENT. The comments are the data dictionary (cmmsdb docs).
SELECT
    c.oid::regclass::text AS object,
    CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE 'table' END
    || ' has no comment' AS message
FROM pg_class AS c
WHERE c.relnamespace = %(schema)s::regnamespace
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND NOT c.relispartition
  AND obj_description(c.oid, 'pg_class') IS NULL
UNION ALL
SELECT
    p.oid::regprocedure::text,
    'function has no comment'
FROM pg_proc AS p
WHERE p.pronamespace = %(schema)s::regnamespace
  AND obj_description(p.oid, 'pg_proc') IS NULL
  AND NOT EXISTS (
      SELECT FROM pg_depend AS d
      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype IN ('e', 'i')
  )
ORDER BY 1
