-- Maintenance acts as the owner of the partitioned table, for its transaction only, so that
-- the partitions it creates belong to that owner. Composed with psycopg.sql: a quoted role.
SET LOCAL ROLE {role};
