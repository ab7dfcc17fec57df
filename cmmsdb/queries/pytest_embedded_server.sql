-- pytest_embedded_server.sql: the embedded server a test session starts is thrown away at
-- its end, so nothing need wait for the disk (each test clones a database and commits often).
ALTER SYSTEM SET fsync = off;
ALTER SYSTEM SET full_page_writes = off;
ALTER SYSTEM SET synchronous_commit = off;
SELECT pg_catalog.pg_reload_conf()
