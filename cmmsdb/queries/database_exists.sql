-- Does database %(dbname)s exist on this server?
SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = %(dbname)s)
