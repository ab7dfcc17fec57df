-- Which of the extensions %(names)s (text[]) this server can install: those whose control
-- file is present (pg_available_extensions also lists the ones already installed).
SELECT name FROM pg_available_extensions WHERE name = any(%(names)s::text [])
