-- Retention, in the same transaction as the detach: the archived partition is no longer read
-- through its parent, whose policies applied. When the parent forces row-level security, so
-- does the archived partition (with no policy: only a role that bypasses it reads the rows),
-- and the application's roles hold nothing on it (verify rule archive-rls). Composed with
-- psycopg.sql from the quoted name in cmms_archive.
ALTER TABLE {archived} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {archived} FORCE ROW LEVEL SECURITY;
REVOKE ALL ON {archived} FROM PUBLIC, cmms_app, cmms_readonly;
