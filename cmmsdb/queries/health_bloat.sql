-- health_bloat.sql: the %(limit)s largest tables (heap only) and an estimate of the space
-- that live rows do not use: the rows' expected size is reltuples times (the 24-byte tuple
-- header, a 4-byte line pointer and the average column widths from pg_stats), over the
-- fillfactor. Good to a few tens of percent; NULL without statistics (never analyzed).
-- Dead rows and the last (auto)vacuum come from pg_stat_user_tables.
WITH tables AS (
    SELECT
        c.oid,
        format('%%I.%%I', n.nspname, c.relname) AS table_name,
        n.nspname,
        c.relname,
        c.reltuples,
        pg_relation_size(c.oid) AS bytes,
        coalesce(
            (
                SELECT split_part(o, '=', 2)::int
                FROM unnest(c.reloptions) AS o
                WHERE o LIKE 'fillfactor=%%'
            ),
            100
        ) AS fillfactor
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'm')
      AND n.nspname !~ '^pg_'
      AND n.nspname <> 'information_schema'
    ORDER BY pg_relation_size(c.oid) DESC
    LIMIT %(limit)s
),

widths AS (
    SELECT
        t.oid,
        sum(s.avg_width) AS row_width,
        count(s.attname) AS analyzed_columns
    FROM tables AS t
    JOIN pg_stats AS s ON s.schemaname = t.nspname AND s.tablename = t.relname
    GROUP BY t.oid
)

SELECT
    t.table_name,
    t.bytes,
    greatest(t.reltuples, 0)::bigint AS estimated_rows,
    CASE
        WHEN w.row_width IS NULL OR t.reltuples < 0 OR t.bytes = 0 THEN NULL
        ELSE greatest(
            0,
            t.bytes - ceil(t.reltuples * (28 + w.row_width) * 100.0 / t.fillfactor)
        )::bigint
    END AS wasted_bytes,
    st.n_dead_tup AS dead_rows,
    greatest(st.last_vacuum, st.last_autovacuum) AS last_vacuum
FROM tables AS t
LEFT JOIN widths AS w ON w.oid = t.oid
LEFT JOIN pg_stat_user_tables AS st ON st.relid = t.oid
ORDER BY t.bytes DESC, t.table_name
