"""The data-model conventions (cmmsdb/conventions.toml), read once: schemas, the tenant key,
the roles and what each may do, and the exceptions to the rules with the reason for each.

Everything that checks or builds the data model (verify, drift, lint, partitions, docs, the
seeder, the tests) takes these names from here, so that a convention changes in one place.
Only the standard library is imported: `cmmsdb lint` needs no database layer.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any


def _load() -> dict[str, Any]:
    return tomllib.loads(resources.files("cmmsdb").joinpath("conventions.toml").read_text())


_DATA = _load()

SCHEMA: str = _DATA["schemas"]["main"]
ARCHIVE_SCHEMA: str = _DATA["schemas"]["archive"]
EXTENSIONS_SCHEMA: str = _DATA["schemas"]["extensions"]
BOOKKEEPING_SCHEMA: str = _DATA["schemas"]["bookkeeping"]
CMMS_SCHEMAS: tuple[str, ...] = (SCHEMA, ARCHIVE_SCHEMA, EXTENSIONS_SCHEMA)

TENANT_KEY: str = _DATA["tenant"]["key"]
TENANT_ROOT: str = _DATA["tenant"]["root"]
TENANT_CONTEXT: str = _DATA["tenant"]["context"]

OWNER_ROLE: str = _DATA["roles"]["owner"]
APP_ROLE: str = _DATA["roles"]["app"]
READONLY_ROLE: str = _DATA["roles"]["readonly"]
APP_ROLES: tuple[str, ...] = (APP_ROLE, READONLY_ROLE)
DEFINER_FUNCTIONS: dict[str, tuple[str, ...]] = {
    role: tuple(entry["functions"]) for role, entry in _DATA["roles"]["definer-owners"].items()
}
"""Each definer owner and the SECURITY DEFINER functions it owns (modules' included)."""
DEFINER_OWNERS: tuple[str, ...] = tuple(DEFINER_FUNCTIONS)
ALL_ROLES: tuple[str, ...] = (OWNER_ROLE, *APP_ROLES, *DEFINER_OWNERS)

SECRET_COLUMNS: str = _DATA["secrets"]["pattern"]
"""A regular expression (PostgreSQL's ~) matching the names of credential columns."""

EXCEPTIONS: dict[str, dict[str, str]] = _DATA["exceptions"]
"""Each exception list, table or function name -> why it is exempt."""
NOT_AUDITED: tuple[str, ...] = tuple(EXCEPTIONS["not-audited"])
NO_UPDATED_AT: tuple[str, ...] = tuple(EXCEPTIONS["no-updated-at"])
NO_ACTIVE_VIEW: tuple[str, ...] = tuple(EXCEPTIONS["no-active-view"])
NO_SEARCH_PATH: tuple[str, ...] = tuple(EXCEPTIONS["no-search-path"])


def query_parameters() -> dict[str, Any]:
    """The conventions as the named parameters of the catalog queries (cmmsdb/queries/)."""
    return {
        "schema": SCHEMA,
        "archive_schema": ARCHIVE_SCHEMA,
        "schemas": list(CMMS_SCHEMAS),
        "tenant_key": TENANT_KEY,
        "tenant_root": TENANT_ROOT,
        "tenant_context": TENANT_CONTEXT,
        "owner": OWNER_ROLE,
        "app_roles": list(APP_ROLES),
        "readonly_role": READONLY_ROLE,
        "secret_columns": SECRET_COLUMNS,
        "definer_owners": list(DEFINER_OWNERS),
        "roles": list(ALL_ROLES),
        "not_audited": list(NOT_AUDITED),
        "no_updated_at": list(NO_UPDATED_AT),
        "no_active_view": list(NO_ACTIVE_VIEW),
        "no_search_path": list(NO_SEARCH_PATH),
    }
