# Nothing to set up: `pip install 'cmmsdb[pytest]'` registers the cmmsdb plugin, which
# provides every fixture these tests use (cmmsdb_db, tenant, tenant_factory, app_conn, ...).
