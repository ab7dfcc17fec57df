"""cmmsdb's roles, named in one place for verify, drift and lint (a module without imports,
so that `cmmsdb lint` need not load the database layer).

- OWNER_ROLE owns every object of the cmms schemas.
- APP_ROLES are the application's (subject to row-level security, only the DML it needs)
  and the read-only role.
- DEFINER_OWNERS are NOLOGIN roles that own SECURITY DEFINER functions (SET search_path =
  pg_catalog, pg_temp) and run them with narrower rights than the owner's; they alone may
  have a policy that lets every row through, and no role may be able to become them.
"""

from __future__ import annotations

OWNER_ROLE = "cmms_owner"
APP_ROLES: tuple[str, ...] = ("cmms_app", "cmms_readonly")
DEFINER_OWNERS: tuple[str, ...] = ("cmms_search", "cmms_audit")
ALL_ROLES: tuple[str, ...] = (OWNER_ROLE, *APP_ROLES, *DEFINER_OWNERS)
