"""How cmmsdb's commands behave on a shared database: the options that bound their waits, the
advisory locks that keep two of them apart, lock_timeout, and the role they run as.

Migrate, rollback, partition maintenance and archiving all take table locks on a database the
application is using. A DDL statement waiting for a lock that a long transaction holds makes
every later query on that table wait behind it, so, as GitLab's with_lock_retries does, each
attempt waits for its locks only briefly (lock_timeout 0.1 s, doubling at each attempt up to
a cap, 1 s by default), and between attempts the application's queries go through; after the
last attempt the work gives up.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from cmmsdb.errors import LockTimeout, first_line
from cmmsdb.resources import query
from cmmsdb.target import DEFAULT_CONNECT_TIMEOUT

if TYPE_CHECKING:
    import psycopg

_T = TypeVar("_T")


@dataclass(frozen=True)
class Options:
    """How long to wait for locks and the server: migrate, rollback, partitions and archive.

    `lock_timeout` caps each attempt's wait for a table lock (attempts start at 0.1 s and
    double up to it); `lock_retries` attempts follow the first (see with_lock_retries).
    """

    lock_timeout: float = 1.0
    lock_retries: int = 20
    wait: float = 60.0
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT


# --- Advisory locks and lock_timeout ---

MIGRATION_LOCK = 7236833568497074177
PARTITION_LOCK = 7236833568497074178
ARCHIVE_LOCK = 7236833568497074179


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


# --- Roles ---


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


# --- Lock retries ---

FIRST_TIMEOUT = 0.1
"""The lock_timeout of the first attempt, in seconds; it doubles up to the cap."""
FIRST_PAUSE = 0.1
"""The pause after the first failed attempt, in seconds; it doubles up to MAX_PAUSE."""
MAX_PAUSE = 1.0


@dataclass(frozen=True)
class Retry:
    """A failed attempt, about to be retried after `pause` seconds."""

    attempt: int
    lock_timeout: float
    pause: float
    error: str


@dataclass(frozen=True)
class GaveUp:
    """Every attempt timed out waiting for a lock: what to tell the user."""

    attempts: int
    longest_wait: float
    error: str

    def describe(self) -> str:
        """'could not take its locks within 1s in 4 attempts (<server message>)'."""
        return (
            f"could not take its locks within {self.longest_wait:g}s in {self.attempts} "
            f"attempts ({self.error})"
        )


def lock_timeout(attempt: int, cap: float) -> float:
    """Seconds attempt `attempt` (0 first) may wait for each lock: 0.1, 0.2, 0.4... up to cap."""
    return min(cap, FIRST_TIMEOUT * 2.0**attempt)


def pause(attempt: int) -> float:
    """Seconds to pause after failed attempt `attempt`, letting the queued queries through."""
    return min(MAX_PAUSE, FIRST_PAUSE * 2.0**attempt)


def with_lock_retries(
    conn: psycopg.Connection[Any],
    work: Callable[[], _T],
    *,
    cap: float,
    retries: int,
    give_up: Callable[[GaveUp], Exception],
    in_transaction: bool = True,
    patient: bool = False,
    on_retry: Callable[[Retry], None] | None = None,
) -> _T:
    """Run `work` (in a transaction of its own unless `in_transaction` is false: then it is
    one autocommit statement or a few) with a short lock_timeout; when it times out waiting
    for a lock, pause and retry with a longer one, `retries` times, then raise what
    `give_up` makes of it.

    `patient` work (CREATE INDEX CONCURRENTLY: its waits queue nobody) waits up to `cap`
    at every attempt.
    """
    from psycopg import errors

    for attempt in range(retries + 1):
        timeout = cap if patient else lock_timeout(attempt, cap)
        try:
            if not in_transaction:
                set_lock_timeout(conn, milliseconds(timeout))
                return work()
            with conn.transaction():
                set_lock_timeout(conn, milliseconds(timeout), local=True)
                return work()
        except errors.LockNotAvailable as exc:
            if attempt >= retries:
                raise give_up(GaveUp(attempt + 1, timeout, first_line(exc))) from None
            retry = Retry(attempt, timeout, pause(attempt), first_line(exc))
            if on_retry:
                on_retry(retry)
            time.sleep(retry.pause)
    raise AssertionError("unreachable")  # pragma: no cover
