-- verify_citus_distribution.sql (run only where the extension citus is installed): on a
-- Citus coordinator, every tenant table of %(schema)s (a %(tenant_key)s column, not a
-- partition) is hash-distributed on %(tenant_key)s and co-located with organizations (itself
-- distributed on id); every other table of the schema is a reference table; every foreign
-- key between distributed tables pairs their distribution columns; every primary key, unique
-- constraint and unique index of a distributed table includes its distribution column; no
-- distributed table has a restrictive policy (Citus 13.2 creates it on the shards as a
-- permissive one, which widens what everyone reads: sql/modules/citus/0014).
WITH tabs AS (
    SELECT
        c.oid,
        c.oid = 'cmms.organizations'::regclass AS is_root,
        EXISTS (
            SELECT FROM pg_attribute AS a
            WHERE a.attrelid = c.oid AND a.attname = %(tenant_key)s AND NOT a.attisdropped
        ) AS is_tenant
    FROM pg_class AS c
    WHERE c.relnamespace = %(schema)s::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
),

dist AS (
    SELECT
        d.logicalrelid AS oid,
        d.partmethod,
        d.repmodel,
        d.colocationid,
        CASE WHEN d.partmethod = 'h' THEN column_to_column_name(d.logicalrelid, d.partkey) END AS column_name
    FROM pg_dist_partition AS d
),

root AS (
    SELECT d.colocationid FROM dist AS d WHERE d.oid = 'cmms.organizations'::regclass
)

SELECT t.oid::regclass::text AS object, 'not distributed on organizations.id' AS message
FROM tabs AS t LEFT JOIN dist AS d ON t.oid = d.oid
WHERE t.is_root AND (d.partmethod IS DISTINCT FROM 'h' OR d.column_name IS DISTINCT FROM 'id')
UNION ALL
SELECT
    t.oid::regclass::text,
    coalesce(
        'distributed on ' || d.column_name || ', not ' || %(tenant_key)s,
        'not a distributed table; want create_distributed_table(..., ''' || %(tenant_key)s
        || ''', colocate_with => ''cmms.organizations'')'
    )
FROM tabs AS t LEFT JOIN dist AS d ON t.oid = d.oid
WHERE t.is_tenant AND NOT t.is_root AND d.column_name IS DISTINCT FROM %(tenant_key)s
UNION ALL
SELECT t.oid::regclass::text, 'not co-located with cmms.organizations'
FROM tabs AS t INNER JOIN dist AS d ON t.oid = d.oid
WHERE t.is_tenant AND d.partmethod = 'h' AND d.colocationid IS DISTINCT FROM (SELECT r.colocationid FROM root AS r)
UNION ALL
SELECT t.oid::regclass::text, 'has no tenant column and is not a reference table'
FROM tabs AS t LEFT JOIN dist AS d ON t.oid = d.oid
WHERE NOT t.is_tenant AND NOT t.is_root AND (d.partmethod IS DISTINCT FROM 'n' OR d.repmodel IS DISTINCT FROM 't')
UNION ALL
SELECT
    k.conrelid::regclass::text || '.' || k.conname,
    'foreign key does not pair the distribution columns of ' || k.conrelid::regclass::text
    || ' and ' || k.confrelid::regclass::text
FROM pg_constraint AS k
INNER JOIN dist AS a ON k.conrelid = a.oid AND a.partmethod = 'h'
INNER JOIN dist AS b ON k.confrelid = b.oid AND b.partmethod = 'h'
WHERE k.contype = 'f' AND k.conparentid = 0 AND k.connamespace = %(schema)s::regnamespace
  AND NOT EXISTS (
      SELECT FROM unnest(k.conkey, k.confkey) AS p (col, ref)
      INNER JOIN pg_attribute AS x ON x.attrelid = k.conrelid AND x.attnum = p.col
      INNER JOIN pg_attribute AS y ON y.attrelid = k.confrelid AND y.attnum = p.ref
      WHERE x.attname = a.column_name AND y.attname = b.column_name
  )
UNION ALL
SELECT
    i.indexrelid::regclass::text,
    'unique index of a distributed table without its distribution column ' || d.column_name
FROM pg_index AS i
INNER JOIN dist AS d ON i.indrelid = d.oid AND d.partmethod = 'h'
WHERE i.indisunique
  AND NOT EXISTS (
      SELECT FROM unnest(i.indkey) AS k (n)
      INNER JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.n
      WHERE a.attname = d.column_name
  )
UNION ALL
SELECT
    d.oid::regclass::text || '.' || quote_ident(p.polname),
    'restrictive policy on a distributed table: its shards get it as a permissive one'
FROM pg_policy AS p
INNER JOIN dist AS d ON p.polrelid = d.oid
WHERE NOT p.polpermissive
ORDER BY 1, 2
