-- tenant_copy_out.sql: one tenant's rows of one table, in binary COPY format, read through
-- the parent of a partitioned table. Composed with {columns}, {table}, {key} and the
-- organization as the literal {organization} (COPY takes no parameters).
COPY (SELECT {columns} FROM {table} WHERE {key} = {organization}::uuid ORDER BY id)
TO STDOUT (FORMAT binary)
