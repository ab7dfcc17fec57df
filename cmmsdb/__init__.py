"""cmmsdb: the PostgreSQL data layer of a multi-tenant CMMS, and the tool that ships it.

This module is the one front door: the CLI calls these functions, with the same typed
options an application passes. Each is the library function itself, imported on first use
(importing cmmsdb has no side effects and loads no database driver), and returns plain data
(dataclasses with `to_dict()`):

    import cmmsdb
    cmmsdb.migrate("postgresql://app@db/cmms")
    cmmsdb.migrate("postgresql://app@db/cmms", modules=["postgis"])  # an optional module too
    report = cmmsdb.status("postgresql://app@db/cmms")
    [m.id for m in report.problems]

`target` is a connection string (URL or libpq keywords) or a `cmmsdb.target.Target` (what
`cmmsdb.target.resolve` returns, the embedded local server included); `folder` is the
migrations folder, by default the migrations shipped with cmmsdb. Waits are bounded by
`cmmsdb.session.Options` (lock_timeout, lock_retries, wait, connect_timeout).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cmmsdb.archiving import archive, restore
    from cmmsdb.baselining import baseline
    from cmmsdb.data_dictionary import write as docs
    from cmmsdb.health_checks import health
    from cmmsdb.linter import lint
    from cmmsdb.migration_history import history
    from cmmsdb.migrator import migrate, rollback, status
    from cmmsdb.partitions import list_partitioned as list_partitions
    from cmmsdb.partitions import maintain as maintain_partitions
    from cmmsdb.repairing import repair
    from cmmsdb.schema_drift import drift
    from cmmsdb.schema_drift import snapshot_file as snapshot
    from cmmsdb.seeding import purge_fake, seed
    from cmmsdb.tenancy import TenantPool, connect_as_tenant
    from cmmsdb.tenant_transfer import delete as tenant_delete
    from cmmsdb.tenant_transfer import export as tenant_export
    from cmmsdb.tenant_transfer import import_archive as tenant_import
    from cmmsdb.verifier import verify

__version__ = "0.1.0"

_FUNCTIONS = {
    "TenantPool": ("tenancy", "TenantPool"),
    "archive": ("archiving", "archive"),
    "baseline": ("baselining", "baseline"),
    "connect_as_tenant": ("tenancy", "connect_as_tenant"),
    "docs": ("data_dictionary", "write"),
    "drift": ("schema_drift", "drift"),
    "health": ("health_checks", "health"),
    "history": ("migration_history", "history"),
    "lint": ("linter", "lint"),
    "list_partitions": ("partitions", "list_partitioned"),
    "maintain_partitions": ("partitions", "maintain"),
    "migrate": ("migrator", "migrate"),
    "purge_fake": ("seeding", "purge_fake"),
    "repair": ("repairing", "repair"),
    "restore": ("archiving", "restore"),
    "rollback": ("migrator", "rollback"),
    "seed": ("seeding", "seed"),
    "snapshot": ("schema_drift", "snapshot_file"),
    "status": ("migrator", "status"),
    "tenant_delete": ("tenant_transfer", "delete"),
    "tenant_export": ("tenant_transfer", "export"),
    "tenant_import": ("tenant_transfer", "import_archive"),
    "verify": ("verifier", "verify"),
}
__all__ = [
    "TenantPool",
    "__version__",
    "archive",
    "baseline",
    "connect_as_tenant",
    "docs",
    "drift",
    "health",
    "history",
    "lint",
    "list_partitions",
    "maintain_partitions",
    "migrate",
    "purge_fake",
    "repair",
    "restore",
    "rollback",
    "seed",
    "snapshot",
    "status",
    "tenant_delete",
    "tenant_export",
    "tenant_import",
    "verify",
]


def __getattr__(name: str) -> Any:
    if name not in _FUNCTIONS:
        raise AttributeError(f"module 'cmmsdb' has no attribute {name!r}")
    module, function = _FUNCTIONS[name]
    found = getattr(import_module(f"cmmsdb.{module}"), function)
    globals()[name] = found
    return found
