-- For this transaction, skip triggers (the foreign keys' included): the seeded rows are
-- valid by construction and their audit records are written in bulk. Superuser only.
SET LOCAL session_replication_role = replica
