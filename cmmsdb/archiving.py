"""Archive finished work orders: closed and cancelled work orders older than a given age
move, with everything that hangs off them, from schema cmms into cmms_archive, and back.

The moving is done by the stored functions cmms_archive.archive_work_orders (one batch in
the caller's transaction: FOR UPDATE SKIP LOCKED, then DELETE ... RETURNING into the archive
tables, dependants first) and cmms_archive.restore_work_orders (migration 0131). This module
runs them: one batch per transaction, each under a short lock_timeout with retries
(cmmsdb.session.with_lock_retries), one archiver at a time (an advisory lock of its own,
waited for at most `wait` seconds). An interrupted run keeps the batches it committed; a
rerun finishes the rest. A dry run moves everything in one transaction that it rolls back:
exact counts per table, nothing changed.

See docs/archive.md.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from cmmsdb import session
from cmmsdb.errors import ArchiveError, ConfigurationError, first_line
from cmmsdb.session import GaveUp, Options, with_lock_retries
from cmmsdb.target import Target, as_target, connect, ensure_writable

if TYPE_CHECKING:
    import psycopg

TABLES = (
    "work_orders",
    "work_order_assets",
    "maintenance_logs",
    "checklists",
    "checklist_items",
    "checklist_signatures",
    "comments",
    "labor_entries",
    "work_order_parts_used",
    "attachments",
)
"""The tables whose rows move with a work order, in the order reports list them."""

_AGE = re.compile(r"^\s*(\d+)\s*([dmy])\s*$", re.IGNORECASE)
_DAYS = {"d": 1, "m": 30, "y": 365}


@dataclass(frozen=True)
class Age:
    """An age given as 90d, 18m or 2y: `count` days, months or years."""

    count: int
    unit: str

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"

    def before(self, now: datetime) -> datetime:
        """The moment `now` minus this age (calendar months and years; day 31 clamps)."""
        if self.unit == "d":
            return now - timedelta(days=self.count)
        months = self.count * (12 if self.unit == "y" else 1)
        year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
        day = min(now.day, calendar.monthrange(year, month + 1)[1])
        return now.replace(year=year, month=month + 1, day=day)


def parse_age(text: str) -> Age:
    """'90d', '18m' or '2y' (days, months, years; at least 1) as an Age, else a clear error."""
    match = _AGE.match(text)
    if not match or int(match.group(1)) < 1:
        raise ConfigurationError(
            f"--older-than {text!r} is not an age",
            "give a positive number of days, months or years: 90d, 18m, 2y",
        )
    return Age(int(match.group(1)), match.group(2).lower())


class _Moved:
    """Rows moved per table; `work_orders` is how many work orders."""

    rows: dict[str, int]

    @property
    def work_orders(self) -> int:
        return self.rows.get("work_orders", 0)


@dataclass(frozen=True)
class Batch(_Moved):
    """One committed (or, on a dry run, rolled-back) batch: rows moved per table."""

    number: int
    rows: dict[str, int]
    seconds: float


@dataclass(frozen=True)
class ArchiveReport(_Moved):
    """The result of `cmmsdb archive`: rows moved (or, dry run, that would move) per table.

    `before` is the cut-off: closed or cancelled work orders finished (completed_at, else
    updated_at) before it are archived. `longest_batch_seconds` is the longest transaction,
    the longest any archived row stayed locked.
    """

    target: str
    dry_run: bool
    older_than: str
    before: datetime
    batch_size: int
    rows: dict[str, int]
    batches: int
    seconds: float
    longest_batch_seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "dry_run": self.dry_run,
            "older_than": self.older_than,
            "before": self.before.isoformat(),
            "batch_size": self.batch_size,
            "work_orders": self.work_orders,
            "rows": dict(self.rows),
            "batches": self.batches,
            "seconds": round(self.seconds, 3),
            "longest_batch_seconds": round(self.longest_batch_seconds, 3),
        }


@dataclass(frozen=True)
class RestoreReport(_Moved):
    """The result of restore: rows moved back per table."""

    target: str
    organization_id: UUID
    requested: int
    rows: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "organization_id": str(self.organization_id),
            "requested": self.requested,
            "work_orders": self.work_orders,
            "rows": dict(self.rows),
        }


BatchCallback = Callable[[Batch], None]


def archive(
    target: str | Target,
    *,
    older_than: str | Age,
    batch_size: int = 500,
    dry_run: bool = False,
    now: datetime | None = None,
    options: Options | None = None,
    on_batch: BatchCallback | None = None,
) -> ArchiveReport:
    """Move closed and cancelled work orders finished more than `older_than` ago (before
    `now`, default the current time), with their dependants, into cmms_archive, `batch_size`
    work orders per transaction, until none is left. `dry_run` rolls everything back."""
    target = as_target(target)
    age = older_than if isinstance(older_than, Age) else parse_age(older_than)
    if batch_size < 1:
        raise ConfigurationError("--batch-size must be at least 1")
    options = options or Options()
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    before = age.before(moment)
    totals = dict.fromkeys(TABLES, 0)
    batches: list[Batch] = []
    started = time.monotonic()
    with connect(target, connect_timeout=options.connect_timeout) as conn:
        if not dry_run:
            ensure_writable(conn, target)
        with session.advisory_lock(
            conn, session.ARCHIVE_LOCK, options.wait, "archiver", "the archive lock"
        ):
            if dry_run:
                batches = _dry_run(conn, before, options)
            else:
                while batch := _batch(conn, before, batch_size, len(batches) + 1, options):
                    batches.append(batch)
                    if on_batch:
                        on_batch(batch)
    for batch in batches:
        for table, count in batch.rows.items():
            totals[table] = totals.get(table, 0) + count
    return ArchiveReport(
        target.display,
        dry_run,
        str(age),
        before,
        batch_size,
        totals,
        len(batches),
        time.monotonic() - started,
        max((b.seconds for b in batches), default=0.0),
    )


def _batch(
    conn: psycopg.Connection[Any],
    before: datetime,
    batch_size: int,
    number: int,
    options: Options,
) -> Batch | None:
    """One batch in a transaction of its own (retried on lock timeouts); None: none left."""

    def work() -> Batch | None:
        started = time.monotonic()
        rows = _call(conn, "archive", [before, batch_size])
        if not rows.get("work_orders"):
            return None
        return Batch(number, rows, time.monotonic() - started)

    return with_lock_retries(
        conn,
        work,
        cap=options.lock_timeout,
        retries=options.lock_retries,
        give_up=_gave_up("archive a batch of work orders"),
    )


def _dry_run(conn: psycopg.Connection[Any], before: datetime, options: Options) -> list[Batch]:
    """Everything in one transaction, rolled back: what a run would move, exactly."""
    import psycopg

    started = time.monotonic()
    try:
        with conn.transaction(force_rollback=True):
            session.set_lock_timeout(conn, session.milliseconds(options.lock_timeout), local=True)
            rows = _call(conn, "archive", [before, 2**31 - 1])
    except psycopg.errors.LockNotAvailable as exc:
        raise _gave_up("count the work orders to archive")(
            GaveUp(1, options.lock_timeout, first_line(exc))
        ) from None
    return [Batch(1, rows, time.monotonic() - started)] if rows.get("work_orders") else []


def restore(
    target: Target,
    organization_id: UUID | str,
    work_order_ids: Sequence[UUID | str],
    *,
    options: Options | None = None,
) -> RestoreReport:
    """Move archived work orders of one organization, with their dependants, back into cmms,
    in one transaction (retried on lock timeouts). Ids not in the archive are ignored."""
    options = options or Options()
    org = UUID(str(organization_id))
    ids = [UUID(str(i)) for i in work_order_ids]
    with connect(target, connect_timeout=options.connect_timeout) as conn:
        ensure_writable(conn, target)
        rows = with_lock_retries(
            conn,
            lambda: _call(conn, "restore", [org, ids]),
            cap=options.lock_timeout,
            retries=options.lock_retries,
            give_up=_gave_up("restore work orders"),
        )
    return RestoreReport(target.display, org, len(ids), rows)


_CALLS = {
    "archive": "SELECT table_name, row_count FROM cmms_archive.archive_work_orders(%s, %s)",
    "restore": "SELECT table_name, row_count FROM cmms_archive.restore_work_orders(%s, %s)",
}


def _call(conn: psycopg.Connection[Any], which: str, params: list[Any]) -> dict[str, int]:
    """Run one of the stored functions; a server error other than a lock timeout becomes
    an ArchiveError naming it."""
    import psycopg
    from psycopg import errors

    try:
        return {name: int(count) for name, count in conn.execute(_CALLS[which], params)}
    except errors.LockNotAvailable:
        raise
    except (errors.UndefinedFunction, errors.InvalidSchemaName):
        raise ArchiveError(
            "the database has no cmms_archive archiving functions",
            "run `cmmsdb migrate` first (migrations 0130 and 0131)",
        ) from None
    except psycopg.Error as exc:
        diag = exc.diag
        hint = diag.message_hint if diag else None
        raise ArchiveError(f"{which} failed: {first_line(exc)}", hint) from None


def _gave_up(doing: str) -> Callable[[GaveUp], Exception]:
    def make(gave_up: GaveUp) -> Exception:
        return ArchiveError(
            f"could not {doing}: {gave_up.describe()}",
            "run again later (it resumes where it stopped) or raise --lock-timeout",
        )

    return make
