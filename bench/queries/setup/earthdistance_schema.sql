-- The schema where earthdistance is installed (cmms_ext when cmmsdb installed it).
SELECT e.extnamespace::regnamespace::text
FROM pg_catalog.pg_extension AS e
WHERE e.extname = 'earthdistance'
