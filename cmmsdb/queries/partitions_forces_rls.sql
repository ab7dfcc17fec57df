-- Whether row-level security applies to the owner of this partitioned table (FORCE).
SELECT relforcerowsecurity FROM pg_class WHERE oid = %(oid)s
