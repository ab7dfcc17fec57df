-- For this transaction, skip triggers (the foreign keys' included): the seeded rows are
-- valid by construction and their audit records are written in bulk. Superuser only.
-- Fake data need not wait for its commit record to reach the disk (a crash loses at most
-- the last tenants, never consistency).
SET LOCAL session_replication_role = replica;
SET LOCAL synchronous_commit = off;
