"""Take table locks without queueing the application behind a long transaction.

A DDL statement waiting for a lock that a long transaction holds makes every later query on
that table wait behind it. As GitLab's with_lock_retries does, each attempt waits for its
locks only briefly (lock_timeout 0.1 s, doubling at each attempt up to a cap, 1 s by
default), and between attempts the application's queries go through; after the last attempt
the work gives up. One function for migrate, rollback and partition maintenance.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from cmmsdb import ledger
from cmmsdb.errors import first_line

if TYPE_CHECKING:
    import psycopg

_T = TypeVar("_T")

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
                ledger.set_lock_timeout(conn, ledger.milliseconds(timeout))
                return work()
            with conn.transaction():
                ledger.set_lock_timeout(conn, ledger.milliseconds(timeout), local=True)
                return work()
        except errors.LockNotAvailable as exc:
            if attempt >= retries:
                raise give_up(GaveUp(attempt + 1, timeout, first_line(exc))) from None
            retry = Retry(attempt, timeout, pause(attempt), first_line(exc))
            if on_retry:
                on_retry(retry)
            time.sleep(retry.pause)
    raise AssertionError("unreachable")  # pragma: no cover
