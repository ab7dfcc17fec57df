-- pytest_clone.sql: a per-test database, a copy of the migrated template. FILE_COPY copies
-- the template's files and checkpoints; WAL_LOG (the default since PostgreSQL 15) writes
-- the whole copy to the WAL, about 19 MB for this schema (bench/clone_speed.py).
CREATE DATABASE {database} TEMPLATE {template} STRATEGY {strategy}
