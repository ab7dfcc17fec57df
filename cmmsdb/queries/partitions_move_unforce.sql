-- For the re-insert only, inside the move's transaction (which holds the parent's ACCESS
-- EXCLUSIVE lock since the detach): the owner re-inserts rows that its policies may not admit
-- (the audit trail admits inserts from cmms_audit only). Composed with psycopg.sql.
ALTER TABLE {parent} NO FORCE ROW LEVEL SECURITY;
