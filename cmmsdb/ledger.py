"""cmmsdb's record of what is applied to a database (schema `cmmsdb`).

yoyo records only a hash of each migration's file name, in a transaction of its own after
the migration ran; cmmsdb records a content checksum, in the migration's own transaction,
so that an applied migration is recorded exactly when its changes are committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cmmsdb.errors import PermissionDenied
from cmmsdb.resources import query

if TYPE_CHECKING:
    import psycopg

    from cmmsdb.migrations import Migration


@dataclass(frozen=True)
class AppliedMigration:
    """A row of cmmsdb.applied_migrations."""

    id: str
    checksum: str
    transactional: bool
    state: str
    statements_done: int
    applied_at: datetime
    applied_by: str
    duration_ms: int | None


def exists(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute(query("ledger_exists.sql")).fetchone()
    return bool(row and row[0])


def ensure(conn: psycopg.Connection[Any]) -> None:
    """Create the bookkeeping schema on first use; call it holding the migration lock."""
    from psycopg import errors

    if exists(conn):
        return
    try:
        with conn.transaction():
            conn.execute(query("ledger_create.sql"))
    except errors.InsufficientPrivilege as exc:
        raise PermissionDenied(
            f"role {conn.info.user!r} cannot create cmmsdb's bookkeeping schema: "
            f"{exc.diag.message_primary}",
            "migrate as the schema owner, or GRANT CREATE ON DATABASE to this role",
        ) from None


def read(conn: psycopg.Connection[Any]) -> list[AppliedMigration]:
    """The applied migrations in the order they were applied; none if never migrated."""
    with privileges(conn, "read"):
        if not exists(conn):
            return []
        return [AppliedMigration(*row) for row in conn.execute(query("ledger_read.sql"))]


def record(
    conn: psycopg.Connection[Any],
    migration: Migration,
    *,
    done: int | None = None,
    duration_ms: int | None = None,
) -> None:
    """Record `migration` as applied or, after `done` statements of its non-transactional
    script, as partial (a rerun resumes there)."""
    script = migration.script()
    conn.execute(
        query("ledger_record.sql"),
        {
            "id": migration.id,
            "checksum": migration.checksum,
            "transactional": script.transactional,
            "state": "applied" if done is None else "partial",
            "statements_done": len(script.statements) if done is None else done,
            "duration_ms": duration_ms,
        },
    )


def remove(conn: psycopg.Connection[Any], migration_id: str) -> None:
    conn.execute(query("ledger_remove.sql"), {"id": migration_id})


def log(
    conn: psycopg.Connection[Any],
    migration_id: str,
    action: str,
    checksum: str,
    *,
    duration_ms: int | None = None,
    detail: str | None = None,
) -> None:
    """Append to the history, as the login role (who did it). A `detail` (baselines and
    repairs) needs a ledger that `upgrade` brought up to date."""
    statement = "ledger_history.sql" if detail is None else "ledger_history_event.sql"
    conn.execute(
        query(statement),
        {
            "id": migration_id,
            "action": action,
            "checksum": checksum,
            "duration_ms": duration_ms,
            "detail": detail,
        },
    )


# --- The history (cmmsdb history), baselines and repairs ------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    """A row of cmmsdb.migration_history: an apply, rollback, baseline or repair."""

    at: datetime
    migration_id: str
    action: str
    checksum: str
    by_role: str
    duration_ms: int | None
    detail: str | None


def read_history(conn: psycopg.Connection[Any]) -> list[HistoryEntry]:
    """Everything that ran against this database, oldest first; none if never migrated."""
    with privileges(conn, "read"):
        row = conn.execute(query("ledger_history_exists.sql")).fetchone()
        if not (row and row[0]):
            return []
        return [HistoryEntry(*r) for r in conn.execute(query("ledger_history_read.sql"))]


def upgrade(conn: psycopg.Connection[Any]) -> None:
    """Let a ledger made by an earlier cmmsdb log baselines and repairs (idempotent)."""
    with privileges(conn, "change"):
        conn.execute(query("ledger_upgrade.sql"))


def set_checksum(conn: psycopg.Connection[Any], migration_id: str, checksum: str) -> None:
    conn.execute(query("ledger_set_checksum.sql"), {"id": migration_id, "checksum": checksum})


@contextmanager
def privileges(conn: psycopg.Connection[Any], doing: str) -> Iterator[None]:
    """Turn a missing privilege on schema cmmsdb into an error that names it and the GRANT
    that fixes it (`doing`: read or change)."""
    from psycopg import errors

    try:
        yield
    except errors.InsufficientPrivilege as exc:
        role = conn.info.user
        fix = "run as the role that migrates this database (the owner of schema cmmsdb)"
        if doing == "read":
            fix += (
                f", or grant this one: GRANT USAGE ON SCHEMA cmmsdb TO {role}; "
                f"GRANT SELECT ON ALL TABLES IN SCHEMA cmmsdb TO {role}"
            )
        raise PermissionDenied(
            f"role {role!r} may not {doing} cmmsdb's bookkeeping (schema cmmsdb): "
            f"{exc.diag.message_primary}",
            fix,
        ) from None
