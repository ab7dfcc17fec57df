-- The statement-level BEFORE TRUNCATE triggers of a partitioned table. PostgreSQL clones
-- row triggers to new partitions but not these, so each new partition gets its own copy.
-- tgtype bits: 1 = FOR EACH ROW, 2 = BEFORE, 32 = TRUNCATE.
SELECT
    quote_ident(t.tgname) AS name,
    quote_ident(pn.nspname) || '.' || quote_ident(p.proname) AS function,
    t.tgnargs AS arguments
FROM pg_trigger AS t
INNER JOIN pg_proc AS p ON t.tgfoid = p.oid
INNER JOIN pg_namespace AS pn ON p.pronamespace = pn.oid
WHERE
    t.tgrelid = %(oid)s
    AND NOT t.tgisinternal
    AND t.tgtype::integer & 32 <> 0
    AND t.tgtype::integer & 2 <> 0
    AND t.tgtype::integer & 1 = 0
ORDER BY t.tgname
