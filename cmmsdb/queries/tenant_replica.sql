-- tenant_replica.sql: for the rest of this transaction, skip triggers (the foreign keys'
-- included): an import loads rows exactly as exported (audit trail, updated_at, numbers),
-- and a delete removes the audit trail, which refuses DELETE to everyone else. Superuser
-- only. On a Citus coordinator the rows are on the workers, which must skip them too: Citus
-- sends SET LOCAL commands to the workers' connections when citus.propagate_set_commands is
-- 'local' (on a server without Citus, a placeholder setting nothing reads).
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL session_replication_role = replica
