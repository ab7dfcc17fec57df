-- Take a session-level advisory lock (the migration lock, or partition maintenance's) if it
-- is free, without waiting: true if taken. Freed by the server when the holder's connection
-- ends, however it ends (even kill -9). Waiters poll this in autocommit, between polls
-- holding no snapshot and no transaction: a waiter blocked inside pg_advisory_lock() would
-- hold a snapshot that the holder's CREATE INDEX CONCURRENTLY waits for (a deadlock).
SELECT pg_try_advisory_lock(%(key)s)
