-- verify_tenant_key.sql: tenant tables (schema cmms, not a partition, with an
-- organization_id column) whose primary key is not (organization_id, id). A partitioned
-- table may append its partition key's columns: PostgreSQL requires them in its key.
SELECT
    c.oid::regclass::text AS object,
    coalesce(
        'primary key is ' || pg_get_constraintdef(k.oid) || ', not (organization_id, id)',
        'no primary key; want PRIMARY KEY (organization_id, id)'
    ) AS message
FROM pg_class AS c
LEFT JOIN pg_constraint AS k ON k.conrelid = c.oid AND k.contype = 'p'
WHERE c.relnamespace = 'cmms'::regnamespace
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND EXISTS (
      SELECT FROM pg_attribute AS a
      WHERE a.attrelid = c.oid AND a.attname = 'organization_id' AND NOT a.attisdropped
  )
  AND NOT coalesce(
      pg_get_constraintdef(k.oid) = 'PRIMARY KEY (organization_id, id)'
      OR (
          c.relkind = 'p'
          AND pg_get_constraintdef(k.oid) LIKE 'PRIMARY KEY (organization\_id, id, %'
      ),
      FALSE
  )
ORDER BY 1
