-- The columns of a table that an INSERT may set (not dropped, not generated), quoted and in
-- order: rows moved out of a default partition are re-inserted through the parent with them.
SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) AS columns
FROM pg_attribute
WHERE attrelid = %(oid)s AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
