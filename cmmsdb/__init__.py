"""cmmsdb: the PostgreSQL data layer of a multi-tenant CMMS, and the tool that ships it.

The Python API mirrors the CLI and returns plain data (dataclasses with `to_dict()`).
Importing cmmsdb has no side effects and loads no database driver:

    import cmmsdb
    cmmsdb.migrate("postgresql://app@db/cmms")
    cmmsdb.migrate("postgresql://app@db/cmms", modules=["postgis"])  # an optional module too
    report = cmmsdb.status("postgresql://app@db/cmms")
    [m.id for m in report.problems]
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cmmsdb.archiving import ArchiveReport
    from cmmsdb.baselining import BaselineReport
    from cmmsdb.linter import LintReport
    from cmmsdb.migration_history import HistoryReport
    from cmmsdb.migrator import RunReport, StatusReport
    from cmmsdb.repairing import RepairReport
    from cmmsdb.schema_drift import DriftReport
    from cmmsdb.seeding import SeedReport
    from cmmsdb.tenant_transfer import TransferReport
    from cmmsdb.verifier import VerifyReport

__version__ = "0.1.0"
__all__ = ["__version__", "drift", "lint", "migrate", "rollback", "seed", "status", "verify"]


def migrate(
    dsn: str,
    *,
    migrations_dir: Path | str | None = None,
    modules: Sequence[str] = (),
    **options: Any,
) -> RunReport:
    """Apply pending migrations to `dsn`, then those of the optional `modules` and of the
    modules applied before. Options as `cmmsdb.migrator.migrate` (to, dry_run, create_db,
    allow_changed, options, on_progress)."""
    from cmmsdb import migrator

    return migrator.migrate(_target(dsn), _folder(migrations_dir), modules=modules, **options)


def rollback(dsn: str, *, migrations_dir: Path | str | None = None, **options: Any) -> RunReport:
    """Roll back migrations on `dsn`: steps=N (default 1), to=ID or everything=True; the
    migrations of optional modules too, newest first (found through the ledger)."""
    from cmmsdb import migrator

    return migrator.rollback(_target(dsn), _folder(migrations_dir), **options)


def status(
    dsn: str, *, migrations_dir: Path | str | None = None, modules: Sequence[str] = ()
) -> StatusReport:
    """Every migration's state on `dsn`: applied, pending, changed, missing or partial; with
    those of the optional `modules` and of the modules applied before."""
    from cmmsdb import migrator

    return migrator.status(_target(dsn), _folder(migrations_dir), modules=modules)


def verify(
    dsn: str, *, migrations_dir: Path | str | None = None, modules: Sequence[str] = ()
) -> VerifyReport:
    """The data-model rules and the applied migrations' checksums on `dsn`: `findings` is
    empty when every rule holds."""
    from cmmsdb import verifier

    return verifier.verify(_target(dsn), _folder(migrations_dir), modules=modules)


def drift(
    dsn: str, *, migrations_dir: Path | str | None = None, scratch_dsn: str | None = None
) -> DriftReport:
    """How the schema of `dsn` differs from the one the migrations build (the committed
    snapshot, or a scratch database migrated on the server of `scratch_dsn`)."""
    from cmmsdb import schema_drift

    scratch = _target(scratch_dsn) if scratch_dsn else None
    return schema_drift.drift(_target(dsn), _folder(migrations_dir), scratch=scratch)


def lint(paths: Sequence[Path | str] = ()) -> LintReport:
    """Lint migration files (default: the shipped migrations); no database needed."""
    from cmmsdb import linter

    return linter.lint([Path(p) for p in paths])


def seed(dsn: str, **options: Any) -> SeedReport:
    """Add fake tenants to `dsn`. Options as `cmmsdb.seeding.seed` (profile, tenants,
    scale, seed, jobs, on_progress)."""
    from cmmsdb import seeding

    return seeding.seed(_target(dsn), **options)


__all__ += ["baseline", "history", "repair"]


def history(dsn: str) -> HistoryReport:
    """Every apply, rollback, baseline and repair recorded on `dsn`, oldest first: when, by
    which role, how long it took."""
    from cmmsdb import migration_history

    return migration_history.history(_target(dsn))


def baseline(
    dsn: str,
    *,
    to: str | None = None,
    migrations_dir: Path | str | None = None,
    scratch_dsn: str | None = None,
) -> BaselineReport:
    """Adopt `dsn`, built without cmmsdb: record the migrations up to `to` (default: those
    yoyo recorded) as applied without running them, if drift finds its schema is the one
    they build (`recorded` is False, with the `differences`, otherwise)."""
    from cmmsdb import baselining

    scratch = _target(scratch_dsn) if scratch_dsn else None
    return baselining.baseline(_target(dsn), _folder(migrations_dir), to=to, scratch=scratch)


def repair(dsn: str, migration: str, *, migrations_dir: Path | str | None = None) -> RepairReport:
    """Accept the reviewed, edited file of applied `migration` (record its new checksum), or
    forget it if its file is gone; logged in the history."""
    from cmmsdb import repairing

    return repairing.repair(_target(dsn), _folder(migrations_dir), migration)


__all__ += ["archive"]


def archive(dsn: str, older_than: str, **options: Any) -> ArchiveReport:
    """Move closed and cancelled work orders finished more than `older_than` ("2y", "18m",
    "90d") ago, with their dependants, into cmms_archive. Options as
    `cmmsdb.archiving.archive` (batch_size, dry_run, now, options, on_batch)."""
    from cmmsdb import archiving

    return archiving.archive(_target(dsn), older_than=older_than, **options)


__all__ += ["tenant_delete", "tenant_export", "tenant_import"]


def tenant_export(dsn: str, organization: str, output: Path | str) -> TransferReport:
    """Write every row of `organization` on `dsn` (audit trail included), as of one snapshot,
    to the archive `output` (docs/tenant-export.md)."""
    from cmmsdb import tenant_transfer

    return tenant_transfer.export(_target(dsn), organization, Path(output))


def tenant_import(dsn: str, archive: Path | str) -> TransferReport:
    """Load a tenant archive into `dsn` (same schema version, organization not there yet)."""
    from cmmsdb import tenant_transfer

    return tenant_transfer.import_archive(_target(dsn), Path(archive))


def tenant_delete(dsn: str, organization: str, **options: Any) -> TransferReport:
    """Remove `organization` and every row of it from `dsn`. Options as
    `cmmsdb.tenant_transfer.delete` (dry_run, yes, confirm)."""
    from cmmsdb import tenant_transfer

    return tenant_transfer.delete(_target(dsn), organization, **options)


def _target(dsn: str) -> Any:
    from cmmsdb.target import Target, parse

    parse(dsn)
    return Target(dsn, "api")


def _folder(migrations_dir: Path | str | None) -> Path:
    from cmmsdb.resources import default_migrations_dir

    return Path(migrations_dir) if migrations_dir else default_migrations_dir()
