-- Does a schema exist (cmms_archive is created on first use, else left alone).
SELECT to_regnamespace(%(schema)s) IS NOT NULL AS present
