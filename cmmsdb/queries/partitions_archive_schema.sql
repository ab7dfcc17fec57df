-- Where archived partitions go; run only when the schema is missing (creating a schema needs
-- CREATE on the database even with IF NOT EXISTS).
CREATE SCHEMA IF NOT EXISTS cmms_archive;
