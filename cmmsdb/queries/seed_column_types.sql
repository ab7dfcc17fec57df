-- The type OID of each column of a table, for binary COPY.
SELECT attname::text, atttypid::integer
FROM pg_catalog.pg_attribute
WHERE attrelid = %(table)s::regclass AND attnum > 0 AND NOT attisdropped
