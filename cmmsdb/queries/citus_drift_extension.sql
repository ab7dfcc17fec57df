-- citus_drift_extension.sql: Citus in a scratch database, on the coordinator and on each
-- worker (a superuser's statement: the library is preloaded, the extension is per database).
CREATE EXTENSION IF NOT EXISTS citus
