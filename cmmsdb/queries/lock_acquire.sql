-- The migration lock: a session-level advisory lock, freed by the server when the
-- migrator's connection ends, however it ends (even kill -9). Waits under lock_timeout.
SELECT pg_advisory_lock(7236833568497074177)
