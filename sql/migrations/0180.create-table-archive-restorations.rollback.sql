-- Drops the table (and with it its policy and grants).
SET LOCAL ROLE cmms_owner;

DROP TABLE cmms_archive.restorations;
