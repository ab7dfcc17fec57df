-- The audit records of one seeded tenant's rows of one table, as cmms.audit_row_change()
-- writes them for an INSERT (generated columns left out, secrets redacted), in one
-- statement instead of a trigger call per row. Dated by the row's created_at, so that the
-- same seed gives the same trail (ids derived from the rows'). Composed with {table} and {key} (the tenant column).
INSERT INTO cmms.activity_logs (
    id, organization_id, table_name, row_id, action, new_values, created_at, updated_at
)
SELECT
    md5(%(table_name)s || t.id::text)::uuid, t.{key}, %(table_name)s, t.id, 'insert', r.j || coalesce((
    SELECT jsonb_object_agg(s.k, '"[redacted]"'::jsonb)
    FROM unnest(ARRAY['password_hash', 'refresh_token_hash']) AS s (k)
    WHERE r.j ? s.k
), '{{}}'), t.created_at, t.created_at
FROM cmms.{table} AS t
CROSS JOIN LATERAL (SELECT to_jsonb(t) - %(derived)s::text [] AS j) AS r
WHERE t.{key} = %(organization_id)s
