-- For the rest of the purge's transaction, skip triggers: the audit trail's refuse
-- triggers (cmms.refuse_audit_change) let nobody delete its records, and the fake
-- organizations' records are the one deletion allowed. Superuser only. Run after the
-- organizations are deleted: replica mode also skips the foreign keys' cascades.
SET LOCAL session_replication_role = replica
