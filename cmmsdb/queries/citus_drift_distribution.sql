-- citus_drift_distribution.sql: how each table of a Citus coordinator's database is spread
-- over the cluster, in terms that two Citus databases built by the same migrations share:
-- the kind of table, its distribution column, and for a distributed table the table its
-- colocation group is named by (its first table by name: the oldest, by oid, changes when a
-- table is made again, as undistributing and distributing again does; reference tables
-- all share one group, which says nothing). Shard ids, shard counts, colocation ids
-- and placements differ from one cluster (or tenant move) to another and are left out.
-- Partitions follow their parent and are left out too.
WITH citus_table AS (
    SELECT
        p.logicalrelid,
        p.colocationid,
        pg_catalog.format('%I.%I', ns.nspname, c.relname) AS name,
        CASE
            WHEN p.partkey IS NOT NULL THEN 'distributed'
            WHEN p.repmodel = 't' THEN 'reference'
            WHEN p.colocationid = 0 THEN 'local'
            ELSE 'distributed (single shard)'
        END AS kind,
        pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) AS distribution_column
    FROM pg_catalog.pg_dist_partition AS p
    INNER JOIN pg_catalog.pg_class AS c ON p.logicalrelid = c.oid
    INNER JOIN pg_catalog.pg_namespace AS ns ON c.relnamespace = ns.oid
    WHERE NOT c.relispartition
)

SELECT
    t.name,
    t.kind,
    t.distribution_column,
    (
        SELECT g.name
        FROM citus_table AS g
        WHERE g.colocationid = t.colocationid AND t.kind LIKE 'distributed%'
        ORDER BY g.name
        LIMIT 1
    ) AS colocated_with
FROM citus_table AS t
ORDER BY t.name
