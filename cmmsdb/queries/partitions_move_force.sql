-- Row-level security applies to the owner again, before the move's transaction commits.
-- Composed with psycopg.sql.
ALTER TABLE {parent} FORCE ROW LEVEL SECURITY;
