-- verify_fk_index.sql: foreign keys in schema cmms without an index whose leading columns
-- are the key's columns, in order. Without one, deleting a referenced row scans the whole
-- referencing table, under a lock.
SELECT
    k.conrelid::regclass::text || '.' || quote_ident(k.conname) AS object,
    'no index leads with the foreign key''s columns ('
    || (
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY n.i)
        FROM unnest(k.conkey) WITH ORDINALITY AS n (attnum, i)
        JOIN pg_attribute AS a ON a.attrelid = k.conrelid AND a.attnum = n.attnum
    )
    || ')' AS message
FROM pg_constraint AS k
WHERE k.contype = 'f'
  AND k.connamespace = %(schema)s::regnamespace
  AND NOT EXISTS (
      SELECT FROM pg_index AS i
      WHERE i.indrelid = k.conrelid
        AND (i.indkey::int2 [])[0:cardinality(k.conkey) - 1] = k.conkey
  )
ORDER BY 1
