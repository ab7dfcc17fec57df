-- The old default partition, once its rows are re-inserted through the parent. Composed with
-- psycopg.sql from a quoted name.
DROP TABLE {old};
