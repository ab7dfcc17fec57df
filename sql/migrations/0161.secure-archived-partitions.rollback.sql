-- The schema's comment of 0006 back. The partitions that 0161 secured stay secured on
-- purpose: turning row-level security off again would re-open every tenant's archived audit
-- records to whoever is granted them later (and which ones it changed is not recorded).
SET LOCAL ROLE cmms_owner;

COMMENT ON SCHEMA cmms_archive IS
'Partitions detached by retention (cmmsdb partitions maintain --retain), kept until a DBA drops them.';
