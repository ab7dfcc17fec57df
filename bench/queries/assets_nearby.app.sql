-- The application asks the stored function (tenant from the context), which runs as
-- cmms_search: under row-level security earthdistance's operators are not leakproof.
SELECT * FROM cmms.assets_within(%(lat)s, %(lon)s, %(radius)s)
