"""Every error cmmsdb reports, each with the exit code and the one-line fix a user needs.

A CmmsdbError is an expected failure (bad input, unreachable server, failed migration):
the CLI prints its message and hint, never a traceback, and exits with `exit_code`.
Exit codes: 0 ok, 1 a check found a problem, 2 usage, configuration, connection or
runtime error.
"""

from __future__ import annotations

from typing import Any

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_ERROR = 2


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (a server error's primary line), or its type."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class CmmsdbError(Exception):
    """Base of every expected failure; `hint` says how to fix it."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class ConfigurationError(CmmsdbError):
    """Options, environment or files are not usable as given."""


class InvalidDsn(ConfigurationError):
    """The connection string cannot be parsed."""


class MigrationsFolderError(ConfigurationError):
    """The migrations folder is missing, empty or holds malformed migrations."""


class UnknownMigration(ConfigurationError):
    """A migration id given on the command line matches no migration."""


class UnknownModule(ConfigurationError):
    """A module given with --with is not a folder of the modules folder."""


class MissingExtra(ConfigurationError):
    """A command needs a library of an install extra that is not installed."""


class ConnectionFailed(CmmsdbError):
    """The server could not be reached or refused the login."""


class DatabaseMissing(ConnectionFailed):
    """The server is up but the database does not exist."""


class ReadOnlyTarget(CmmsdbError):
    """The target is a standby or read-only: nothing can be migrated there."""


class PermissionDenied(CmmsdbError):
    """The role lacks a privilege the operation needs."""


class LockTimeout(CmmsdbError):
    """Another migrator held the migration lock longer than --wait."""


class MigrationFailed(CmmsdbError):
    """A migration's SQL failed; the failing migration was rolled back."""

    def __init__(
        self, message: str, hint: str | None = None, applied: list[str] | None = None
    ) -> None:
        super().__init__(message, hint)
        self.applied = applied or []


class ConnectionLost(CmmsdbError):
    """The server closed the connection mid-run (a crash, a restart, a terminated backend):
    not the migration's fault. The message says what the ledger holds; the hint, how to
    resume."""


class RollbackUnavailable(CmmsdbError):
    """A migration to roll back has no rollback file, or nothing can be rolled back."""


class DataLossRefused(CmmsdbError):
    """A rollback would drop tables or columns holding data, and --yes was not given;
    nothing was rolled back. `details` lists them for --json."""

    def __init__(self, message: str, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.details = details


class ChangedMigrations(CmmsdbError):
    """Applied migrations whose files were edited afterwards; migrating over them is unsafe."""


class ExtensionUnavailable(CmmsdbError):
    """A pending migration requires an extension the server cannot install; nothing was
    applied."""


class PartitionError(CmmsdbError):
    """Partitions could not be read or maintained."""


class MaintenanceFailed(PartitionError):
    """A maintenance action failed and was rolled back; the actions before it were kept."""


class LocalServerError(CmmsdbError):
    """The embedded local PostgreSQL server could not be set up, started or stopped."""


class SeedError(CmmsdbError):
    """A seed cannot run as asked (bad counts or profile, unmigrated database, a role that
    cannot write through row-level security); nothing was written."""


class LintError(CmmsdbError):
    """cmmsdb lint could not run (as opposed to finding problems, exit 1)."""


class LintPathError(LintError):
    """A path given to cmmsdb lint does not exist or holds no SQL file."""


class LintToolMissing(LintError):
    """The squawk binary (PyPI squawk-cli) is not installed."""


class LintToolFailed(LintError):
    """squawk ran but failed, or printed something that is not its JSON report."""


class DriftUnavailable(CmmsdbError):
    """The expected schema cannot be built for this target (pending migrations, modules, a
    snapshot of other migrations): drift cannot say anything, which is not "no drift"."""


def listed(ids: list[str], shown: int = 3) -> str:
    """At most `shown` ids, then how many more: a hint stays one short line."""
    if len(ids) <= shown:
        return ", ".join(ids)
    return f"{', '.join(ids[:shown])} and {len(ids) - shown} more"


def span(ids: list[str]) -> str:
    """Ids applied one after the other: up to three, else the first, the last and a count."""
    if len(ids) <= 3:
        return ", ".join(ids) or "none"
    return f"{ids[0]} to {ids[-1]} ({len(ids)} migrations)"


class MissingMigrations(CmmsdbError):
    """Applied migrations whose files are gone from the migrations folder."""


class BaselineRefused(CmmsdbError):
    """cmmsdb baseline cannot adopt this database as asked; nothing was recorded."""


class RepairRefused(CmmsdbError):
    """cmmsdb repair has nothing it may accept for this migration; nothing was changed."""


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a process stopped by Ctrl-C


class SeedInterrupted(CmmsdbError):
    """A seed was interrupted (Ctrl-C): the tenants being written were rolled back, those
    committed before are kept."""

    exit_code = EXIT_INTERRUPTED

    def __init__(self, committed: int, tenants: int) -> None:
        super().__init__(
            f"interrupted: {committed} of {tenants} fake tenants committed and kept; the ones "
            "being written were rolled back",
            "run `cmmsdb seed` again to add more (the same seed makes new tenants), or "
            "`cmmsdb seed --purge-fake` to remove them",
        )
        self.committed = committed
        self.tenants = tenants


class ConfirmationRequired(ConfigurationError):
    """A destructive command was not confirmed: no --yes, and no terminal to ask on."""


class ArchiveError(CmmsdbError):
    """Archiving or restoring work orders failed: bad age, missing privilege, lock or data."""


class TenantTransferError(CmmsdbError):
    """A tenant export, import or delete cannot run as asked; nothing was written."""


class TenantNotFound(TenantTransferError):
    """The organization to export or delete is not in the database."""


class TenantExists(TenantTransferError):
    """The organization of an archive is already in the target: importing would merge two
    tenants' rows; nothing was loaded."""


class ArchiveInvalid(TenantTransferError):
    """A tenant archive is not readable, or a table's checksum or row count does not match
    its manifest (corrupted or tampered with); nothing was loaded."""


class SchemaVersionMismatch(TenantTransferError):
    """A tenant archive was made at another schema version than the target's; nothing was
    loaded."""


class UnsafeTenantLogin(ConfigurationError):
    """A tenant connection was asked for with a login that row-level security does not
    apply to (a superuser, a BYPASSRLS role, or the owner of the tables): it would see
    every tenant's rows, so no connection was handed out."""
