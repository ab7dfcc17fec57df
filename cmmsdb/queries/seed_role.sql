-- Who seeds, and whether row-level security applies to them (COPY refuses to write through it).
SELECT current_user::text, rolsuper OR rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = current_user
