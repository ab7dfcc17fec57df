-- verify_outside_cmms.sql: relations, functions and types outside the cmms schemas
-- (%(schemas)s, text[]) owned by one of cmmsdb's roles (a role named cmms_...): the
-- migrations create nothing in public or elsewhere, where an application's own tables
-- live. Objects of extensions and pg_* and information_schema are skipped.
WITH ours AS (
    SELECT r.oid FROM pg_roles AS r WHERE r.rolname ~ '^cmms_'
),

objects AS (
    SELECT c.oid::regclass::text AS object, 'relation' AS kind, c.relowner AS owner,
        c.relnamespace AS nsp, 'pg_class'::regclass AS classid, c.oid
    FROM pg_class AS c
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    UNION ALL
    SELECT p.oid::regprocedure::text, 'function', p.proowner, p.pronamespace,
        'pg_proc'::regclass, p.oid
    FROM pg_proc AS p
    UNION ALL
    SELECT format_type(t.oid, NULL), 'type', t.typowner, t.typnamespace,
        'pg_type'::regclass, t.oid
    FROM pg_type AS t
    WHERE t.typtype IN ('c', 'd', 'e', 'r') AND t.typrelid = 0
)

SELECT
    o.object,
    o.kind || ' in schema ' || n.nspname || ' is owned by ' || pg_get_userbyid(o.owner)
    || ': cmmsdb creates objects only in its own schemas' AS message
FROM objects AS o
JOIN ours ON ours.oid = o.owner
JOIN pg_namespace AS n ON n.oid = o.nsp
WHERE NOT n.nspname::text = ANY (%(schemas)s::text [])
  AND n.nspname !~ '^pg_'
  AND n.nspname <> 'information_schema'
  AND NOT EXISTS (
      SELECT FROM pg_depend AS d
      WHERE d.classid = o.classid AND d.objid = o.oid AND d.deptype = 'e'
  )
ORDER BY 1
