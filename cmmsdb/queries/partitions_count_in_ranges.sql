-- How many rows of a default partition fall in the months about to get partitions of their
-- own (half-open ranges, given as two arrays). Composed with psycopg.sql: the placeholders
-- are a quoted relation and its quoted key column.
SELECT count(*)
FROM {relation} AS t
INNER JOIN unnest(%(lower)s::timestamptz [], %(upper)s::timestamptz []) AS r (lo, hi)
    ON t.{key} >= r.lo AND t.{key} < r.hi
