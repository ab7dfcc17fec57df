-- A session-level advisory lock (the migration lock, or partition maintenance's): freed by
-- the server when the holder's connection ends, however it ends (even kill -9). Waits
-- under lock_timeout.
SELECT pg_advisory_lock(%(key)s)
