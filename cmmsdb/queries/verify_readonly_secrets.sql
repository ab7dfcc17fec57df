-- verify_readonly_secrets.sql: what the reporting role %(readonly_role)s reads. Of every
-- table and view of schema %(schema)s it may read at all, it reads no credential column
-- (a name matching %(secret_columns)s: password and token hashes) and every other column
-- (a column withheld by mistake breaks reports silently: grant it).
WITH readable AS (
    SELECT c.oid, a.attname, a.attname ~ %(secret_columns)s AS secret,
        has_column_privilege(%(readonly_role)s, c.oid, a.attnum, 'SELECT') AS granted
    FROM pg_class AS c
    INNER JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE c.relnamespace = %(schema)s::regnamespace
      AND c.relkind IN ('r', 'p', 'v', 'm')
      AND NOT c.relispartition
      AND has_any_column_privilege(%(readonly_role)s, c.oid, 'SELECT')
)

SELECT
    oid::regclass::text || '.' || quote_ident(attname) AS object,
    CASE
        WHEN secret THEN %(readonly_role)s || ' can read this credential: grant SELECT on the other columns only'
        ELSE %(readonly_role)s || ' cannot read it, but reads the rest of the table: GRANT SELECT ('
            || quote_ident(attname) || ') ON ' || oid::regclass::text || ' TO ' || %(readonly_role)s
    END AS message
FROM readable
WHERE secret = granted
ORDER BY 1
