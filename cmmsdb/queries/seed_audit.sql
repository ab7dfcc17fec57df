-- The audit records of one seeded tenant's rows of one table, as cmms.audit_row_change()
-- writes them for an INSERT (generated columns left out, secrets redacted), in one
-- statement instead of a trigger call per row. Dated by the row's created_at, so that the
-- same seed gives the same trail (ids derived from the rows'). Composed with {table},
-- {columns} (those the trigger records) and {key} (the tenant column).
INSERT INTO cmms.activity_logs (
    id, organization_id, table_name, row_id, action, new_values, created_at, updated_at
)
SELECT
    md5(%(table_name)s || r.id::text)::uuid,
    r.{key},
    %(table_name)s,
    r.id,
    'insert',
    to_jsonb(r) || %(redacted)s::jsonb,
    r.created_at,
    r.created_at
FROM (SELECT {columns} FROM cmms.{table} AS t WHERE t.{key} = %(organization_id)s) AS r
