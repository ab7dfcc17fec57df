-- Does the column a rollback drops exist and hold data of its own (a generated column is
-- computed from others: dropping it loses nothing)?
SELECT EXISTS (
    SELECT FROM pg_catalog.pg_attribute
    WHERE attrelid = %(table)s::regclass AND attname = %(column)s AND attnum > 0
      AND NOT attisdropped AND attgenerated = ''
)
