-- The schema that holds the whole CMMS data layer. Nothing of cmmsdb goes into public:
-- application teams keep their own tables there.
-- gen_random_uuid() is core since PostgreSQL 13: no extension is needed for ids. The
-- extensions later tables need (earthdistance, pg_trgm) arrive with those tables.
CREATE SCHEMA cmms;

COMMENT ON SCHEMA cmms IS 'The CMMS data layer: tenants, users, work orders, assets, inventory, audit trail.';
