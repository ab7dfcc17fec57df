-- Which of the extensions %(names)s (text[]) are installed in this database.
SELECT extname::text FROM pg_catalog.pg_extension WHERE extname = any(%(names)s::text [])
