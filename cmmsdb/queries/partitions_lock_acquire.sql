-- The partition maintenance lock: a session-level advisory lock (another key than the
-- migration lock), freed by the server when the maintainer's connection ends, however it
-- ends. Waits under lock_timeout.
SELECT pg_advisory_lock(7236833568497074178)
