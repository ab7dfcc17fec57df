-- The months (UTC) that have rows in a default partition: maintenance gives each its monthly
-- partition. Infinite timestamps and years outside 1 to 9999 have no month to go to.
-- Composed with psycopg.sql: the placeholders are a quoted relation and its quoted key column.
SELECT DISTINCT (date_trunc('month', t.{key} AT TIME ZONE 'UTC'))::date AS month
FROM {relation} AS t
WHERE t.{key} >= '0001-01-01 00:00+00' AND t.{key} < '9999-12-01 00:00+00'
ORDER BY month
