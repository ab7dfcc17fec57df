-- tenant_copy_in.sql: load one table's rows of an archive (binary COPY), ids kept.
-- Composed with {table} and {columns}.
COPY {table} ({columns}) FROM STDIN (FORMAT binary)
