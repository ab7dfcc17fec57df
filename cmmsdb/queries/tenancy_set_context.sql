-- tenancy_set_context.sql: the first statement of every transaction of a tenant
-- connection (cmmsdb.tenancy), values bound client-side so that it runs in one round trip
-- of the simple query protocol (PgBouncer in transaction pooling passes it through).
SELECT cmms.set_context({organization_id}::uuid, {user_id}::uuid)
