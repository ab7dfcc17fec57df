-- Who seeds, and whether they are a superuser: COPY cannot write through row-level
-- security, and skipping triggers for the load (session_replication_role) takes one.
SELECT current_user::text, rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user
