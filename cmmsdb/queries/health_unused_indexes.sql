-- health_unused_indexes.sql: valid indexes never scanned since statistics were reset, of
-- at least %(min_bytes)s bytes, that neither enforce a constraint (primary key, unique,
-- exclusion) nor lead with the columns of a foreign key (deleting a referenced row needs
-- one): candidates to drop. Partitions' indexes are counted under their own names.
SELECT
    format('%%I.%%I', s.schemaname, s.indexrelname) AS index,
    s.relid::regclass::text AS table_name,
    pg_relation_size(s.indexrelid) AS bytes,
    s.idx_scan AS scans
FROM pg_stat_user_indexes AS s
JOIN pg_index AS i ON i.indexrelid = s.indexrelid
WHERE s.idx_scan = 0
  AND i.indisvalid
  AND NOT i.indisunique
  AND NOT i.indisprimary
  AND NOT EXISTS (SELECT FROM pg_constraint AS k WHERE k.conindid = s.indexrelid)
  AND NOT EXISTS (
      SELECT FROM pg_constraint AS k
      WHERE k.contype = 'f'
        AND k.conrelid = i.indrelid
        AND (i.indkey::int2 [])[0:cardinality(k.conkey) - 1] = k.conkey
  )
  AND pg_relation_size(s.indexrelid) >= %(min_bytes)s
ORDER BY pg_relation_size(s.indexrelid) DESC, 1
LIMIT 50
