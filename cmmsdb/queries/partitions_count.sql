-- The exact number of rows in one partition (a default partition: an estimate is not enough).
-- Composed with psycopg.sql: the placeholder is a quoted relation name.
SELECT count(*) FROM {relation}
