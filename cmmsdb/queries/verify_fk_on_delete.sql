-- verify_fk_on_delete.sql: foreign keys of schema %(schema)s that leave what happens on
-- delete implicit (NO ACTION, the default): say CASCADE, RESTRICT or SET NULL (col), so a
-- reader of the migration knows what deleting a tenant's row does.
SELECT
    k.conrelid::regclass::text || '.' || quote_ident(k.conname) AS object,
    'says nothing ON DELETE: say CASCADE, RESTRICT or SET NULL (col)' AS message
FROM pg_constraint AS k
WHERE k.contype = 'f'
  AND k.connamespace = %(schema)s::regnamespace
  AND k.confdeltype = 'a'
  AND k.conparentid = 0
ORDER BY 1
