-- tenant_replica.sql: for the rest of this transaction, skip triggers (the foreign keys'
-- included): an import loads rows exactly as exported (audit trail, updated_at, numbers),
-- and a delete removes the audit trail, which refuses DELETE to everyone else. Superuser
-- only.
SET LOCAL session_replication_role = replica
