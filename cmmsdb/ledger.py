"""cmmsdb's record of what is applied to a database (schema `cmmsdb`), and the migration lock.

yoyo records only a hash of each migration's file name, in a transaction of its own after
the migration ran; cmmsdb records a content checksum, in the migration's own transaction,
so that an applied migration is recorded exactly when its changes are committed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cmmsdb.errors import LockTimeout, PermissionDenied
from cmmsdb.resources import query

if TYPE_CHECKING:
    import psycopg


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
    if not exists(conn):
        return []
    return [AppliedMigration(*row) for row in conn.execute(query("ledger_read.sql"))]


@contextmanager
def as_session_user(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """Write the ledger as the login role, not as the role a migration switched to
    (migrations run `SET LOCAL ROLE cmms_owner`, which may not write cmmsdb's schema)."""
    from psycopg import pq

    row = conn.execute(query("current_role.sql")).fetchone()
    role = str(row[0]) if row else "none"
    if role == "none":
        yield
        return
    in_transaction = conn.info.transaction_status != pq.TransactionStatus.IDLE
    set_role(conn, "none", local=in_transaction)
    try:
        yield
    finally:
        set_role(conn, role, local=in_transaction)


def set_role(conn: psycopg.Connection[Any], role: str, *, local: bool) -> None:
    conn.execute(query("set_role.sql"), {"role": role, "is_local": local})


def record(
    conn: psycopg.Connection[Any],
    *,
    migration_id: str,
    checksum: str,
    transactional: bool,
    state: str = "applied",
    statements_done: int = 0,
    duration_ms: int | None = None,
) -> None:
    conn.execute(
        query("ledger_record.sql"),
        {
            "id": migration_id,
            "checksum": checksum,
            "transactional": transactional,
            "state": state,
            "statements_done": statements_done,
            "duration_ms": duration_ms,
        },
    )


def remove(conn: psycopg.Connection[Any], migration_id: str) -> None:
    conn.execute(query("ledger_remove.sql"), {"id": migration_id})


def log(
    conn: psycopg.Connection[Any], migration_id: str, action: str, checksum: str, duration_ms: int
) -> None:
    conn.execute(
        query("ledger_history.sql"),
        {"id": migration_id, "action": action, "checksum": checksum, "duration_ms": duration_ms},
    )


MIGRATION_LOCK = 7236833568497074177
PARTITION_LOCK = 7236833568497074178


@contextmanager
def migration_lock(conn: psycopg.Connection[Any], wait: float) -> Iterator[None]:
    """Hold the migration lock: one migrator at a time."""
    with advisory_lock(conn, MIGRATION_LOCK, wait, "migrator", "the migration lock"):
        yield


@contextmanager
def advisory_lock(
    conn: psycopg.Connection[Any], key: int, wait: float, holder: str, name: str
) -> Iterator[None]:
    """Hold advisory lock `key`, waiting at most `wait` seconds for another `holder`.

    The wait holds no snapshot and no transaction (`conn` must be in autocommit): it polls
    pg_try_advisory_lock with back-off, as Flyway does, instead of blocking in
    pg_advisory_lock(), whose statement would keep a snapshot open that the holder's
    CREATE INDEX CONCURRENTLY waits for: a deadlock. The lock belongs to the connection: if
    this process dies, the server frees it.
    """
    deadline = time.monotonic() + wait
    delay = POLL_FIRST
    while not _try_lock(conn, key):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LockTimeout(
                f"another {holder}{_lock_holder(conn, key)} held {name} for more than {wait:g}s",
                "wait for it to finish, or raise --wait",
            )
        time.sleep(min(delay * random.uniform(0.5, 1.0), remaining))
        delay = min(delay * 2, POLL_MAX)
    try:
        yield
    finally:
        _unlock(conn, key)


POLL_FIRST = 0.05
POLL_MAX = 1.0


def _try_lock(conn: psycopg.Connection[Any], key: int) -> bool:
    row = conn.execute(query("lock_try_acquire.sql"), {"key": key}).fetchone()
    return bool(row and row[0])


def _unlock(conn: psycopg.Connection[Any], key: int) -> None:
    """Release the lock, unless the connection is gone (then the server released it)."""
    import psycopg

    if conn.closed:
        return
    try:
        conn.execute(query("lock_release.sql"), {"key": key})
    except psycopg.OperationalError:
        if not conn.closed:
            raise


def _lock_holder(conn: psycopg.Connection[Any], key: int) -> str:
    row = conn.execute(query("lock_holder.sql"), {"key": key}).fetchone()
    if row is None:
        return ""
    pid, application, user, client, _ = row
    return f" (pid {pid}, {application}, role {user}, from {client or 'local socket'})"


def milliseconds(seconds: float) -> str:
    """A lock_timeout value for `seconds` (at least 1 ms: 0 would mean wait forever)."""
    return f"{max(1, round(seconds * 1000))}ms"


def set_lock_timeout(conn: psycopg.Connection[Any], timeout: str, *, local: bool = False) -> str:
    """Bound every lock wait, for the transaction or the session; returns the previous bound."""
    row = conn.execute(query("set_lock_timeout.sql"), {"timeout": timeout, "is_local": local})
    previous = row.fetchone()
    return str(previous[0]) if previous else "0"
