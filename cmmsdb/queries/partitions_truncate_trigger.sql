-- A copy of the parent's statement-level TRUNCATE trigger on a fresh default partition (the
-- monthly partition template does the same for monthly partitions). Composed with psycopg.sql.
CREATE OR REPLACE TRIGGER {trigger}
BEFORE TRUNCATE ON {relation}
FOR EACH STATEMENT EXECUTE FUNCTION {function}();
