-- Retention: detach a monthly partition (a plain DETACH, under lock_timeout) and keep it, rows
-- intact, in schema cmms_archive. Composed with psycopg.sql from quoted names.
ALTER TABLE {parent} DETACH PARTITION {partition};
ALTER TABLE {partition} SET SCHEMA cmms_archive;
