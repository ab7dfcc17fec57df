-- Every partitioned table in schema cmms: its strategy and key, its default partition, and
-- whether partition maintenance manages it: RANGE on one timestamptz column, not itself a
-- partition, and a name that needs no quoting and is short enough that <table>_pYYYY_MM and
-- <table>_default fit in 63 bytes unquoted. Names come as stored and quoted (quote_ident).
-- No catalog function here opens the tables (pg_get_partkeydef does, waiting behind any
-- exclusive lock), except for a key that is an expression.
-- act_as: the owner of the table when that is not the current role but the current role may
-- act as it (SET LOCAL ROLE), so that new partitions belong to the owner of their table.
SELECT
    c.oid,
    n.nspname || '.' || c.relname AS name,
    quote_ident(n.nspname) AS quoted_schema,
    quote_ident(c.relname) AS quoted_table,
    c.relname AS relname,
    lower(strategy.name) AS strategy,
    CASE
        WHEN pt.partexprs IS NULL
            THEN strategy.name || ' (' || (
                SELECT string_agg(quote_ident(ka.attname), ', ' ORDER BY k.n)
                FROM unnest(pt.partattrs::smallint []) WITH ORDINALITY AS k (attnum, n)
                INNER JOIN pg_attribute AS ka ON pt.partrelid = ka.attrelid AND k.attnum = ka.attnum
            ) || ')'
        ELSE pg_get_partkeydef(c.oid)
    END AS partition_key,
    coalesce(quote_ident(a.attname), '') AS key_column,
    coalesce(
        pt.partstrat = 'r'
        AND pt.partnatts = 1
        AND a.atttypid = 'timestamptz'::regtype
        AND NOT c.relispartition
        AND quote_ident(c.relname) = c.relname
        AND length(c.relname) <= 54,
        FALSE
    ) AS maintained,
    dn.nspname || '.' || d.relname AS default_partition,
    quote_ident(dn.nspname) || '.' || quote_ident(d.relname) AS quoted_default,
    CASE
        WHEN pg_get_userbyid(c.relowner) <> current_user
            AND pg_has_role(c.relowner, 'MEMBER')
            THEN quote_ident(pg_get_userbyid(c.relowner))
    END AS act_as
FROM pg_partitioned_table AS pt
INNER JOIN pg_class AS c ON pt.partrelid = c.oid
INNER JOIN pg_namespace AS n ON c.relnamespace = n.oid
CROSS JOIN LATERAL (
    SELECT CASE pt.partstrat WHEN 'r' THEN 'RANGE' WHEN 'l' THEN 'LIST' WHEN 'h' THEN 'HASH' END AS name
) AS strategy
LEFT JOIN pg_attribute AS a ON pt.partrelid = a.attrelid AND pt.partattrs[0] = a.attnum
LEFT JOIN pg_class AS d ON pt.partdefid = d.oid
LEFT JOIN pg_namespace AS dn ON d.relnamespace = dn.oid
WHERE n.nspname = 'cmms'
ORDER BY c.relname
