-- verify_tenant_key.sql: tenant tables (schema %(schema)s, not a partition, with a
-- %(tenant_key)s column) whose primary key is not (%(tenant_key)s, id), or whose id is not
-- a uuid the server makes (DEFAULT gen_random_uuid()). A partitioned table may append its
-- partition key's columns: PostgreSQL requires them in its key.
WITH tenant AS (
    SELECT c.oid, c.relkind, a.attnum AS key_column, i.attnum AS id_column,
        pg_catalog.format_type(i.atttypid, i.atttypmod) AS id_type,
        pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS id_default
    FROM pg_class AS c
    INNER JOIN pg_attribute AS a
        ON a.attrelid = c.oid AND a.attname = %(tenant_key)s AND NOT a.attisdropped
    LEFT JOIN pg_attribute AS i ON i.attrelid = c.oid AND i.attname = 'id' AND NOT i.attisdropped
    LEFT JOIN pg_attrdef AS d ON d.adrelid = c.oid AND d.adnum = i.attnum
    WHERE c.relnamespace = %(schema)s::regnamespace
      AND c.relkind IN ('r', 'p')
      AND NOT c.relispartition
)

SELECT
    t.oid::regclass::text AS object,
    coalesce(
        'primary key is ' || pg_get_constraintdef(k.oid) || ', not (' || %(tenant_key)s || ', id)',
        'no primary key; want PRIMARY KEY (' || %(tenant_key)s || ', id)'
    ) AS message
FROM tenant AS t
LEFT JOIN pg_constraint AS k ON k.conrelid = t.oid AND k.contype = 'p'
WHERE NOT coalesce(
    k.conkey[1:2] = ARRAY[t.key_column, t.id_column]
    AND (cardinality(k.conkey) = 2 OR t.relkind = 'p'),
    FALSE
)
UNION ALL
SELECT
    t.oid::regclass::text,
    'id is ' || coalesce(t.id_type, 'missing')
    || coalesce(' DEFAULT ' || t.id_default, ' without a default')
    || ', not uuid DEFAULT gen_random_uuid()'
FROM tenant AS t
WHERE (t.id_type, t.id_default) IS DISTINCT FROM ('uuid', 'gen_random_uuid()')
ORDER BY 1, 2
