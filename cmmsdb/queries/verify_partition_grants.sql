-- verify_partition_grants.sql: partitions of tables of schema %(schema)s on which one of
-- %(app_roles)s (text[]) holds a privilege. Row-level security applies to the table a query
-- names: a query on a partition itself skips the parent's policies, so the application's
-- roles reach partitions only through their parent.
SELECT
    c.oid::regclass::text AS object,
    'partition grants ' || string_agg(DISTINCT x.privilege_type, ', ') || ' to '
    || pg_get_userbyid(x.grantee) || ': grant on the parent only' AS message
FROM pg_class AS c
CROSS JOIN LATERAL aclexplode(c.relacl) AS x
WHERE c.relnamespace = %(schema)s::regnamespace
  AND c.relispartition
  AND pg_get_userbyid(x.grantee) = ANY (%(app_roles)s::text [])
GROUP BY c.oid, x.grantee
ORDER BY 1, 2
