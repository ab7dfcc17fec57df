-- Rows sit in the default partition in months about to get partitions of their own: take the
-- default partition out of the way (moved to cmms_archive so that its index names are free
-- for the fresh default partition). Composed with psycopg.sql from quoted names.
ALTER TABLE {parent} DETACH PARTITION {default_partition};
ALTER TABLE {default_partition} SET SCHEMA cmms_archive;
