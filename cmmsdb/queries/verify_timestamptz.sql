-- verify_timestamptz.sql: columns of tables and views in schema cmms (partitions excepted:
-- they repeat their parent) typed timestamp without time zone, which silently takes the
-- session's time zone; every timestamp is timestamptz.
SELECT
    c.oid::regclass::text || '.' || quote_ident(a.attname) AS object,
    'type is ' || format_type(a.atttypid, a.atttypmod) || ', not timestamp with time zone'
    AS message
FROM pg_class AS c
JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type AS t ON t.oid = a.atttypid
WHERE c.relnamespace = %(schema)s::regnamespace
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND NOT c.relispartition
  AND 'timestamp'::regtype IN (t.oid, t.typelem)
ORDER BY 1
