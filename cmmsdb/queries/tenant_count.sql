-- tenant_count.sql: one tenant's rows of one table. Composed with {table} and {key}.
SELECT count(*) FROM {table} WHERE {key} = %(organization)s::uuid
