-- tenant_delete.sql: one tenant's rows of one table. Run in replica mode, children first:
-- no cascade, no audit record of the deletion, and the audit trail's refuse triggers do
-- not fire. Composed with {table} and {key}.
DELETE FROM {table} WHERE {key} = %(organization)s::uuid
