"""Archive finished work orders: closed and cancelled work orders older than a given age
move, with everything that hangs off them, from schema cmms into cmms_archive, and back.

The moving is done by the stored functions cmms_archive.archive_work_orders (one batch in
the caller's transaction: FOR UPDATE SKIP LOCKED, then DELETE ... RETURNING into the archive
tables, dependants first) and cmms_archive.restore_work_orders (migration 0131). This module
runs them: one batch per transaction, each under a short lock_timeout with retries
(cmmsdb.session.with_lock_retries), one archiver at a time (an advisory lock of its own,
waited for at most `wait` seconds). An interrupted run keeps the batches it committed; a
rerun finishes the rest. A dry run counts, per table, what a run would move with read-only
queries (no row lock, no write, no archive lock; a standby will do); an exact dry run moves
everything in one transaction that it rolls back (row locks, briefly, and the rows others
lock left out, as a run would).

Since migration 0160 the functions are SECURITY DEFINER, EXECUTE for cmms_maintainer: a
non-superuser login granted that role runs all of this (docs/archive.md).

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
from cmmsdb.errors import ArchiveError, ConfigurationError, PermissionDenied, first_line
from cmmsdb.resources import query
from cmmsdb.session import GaveUp, Options, with_lock_retries
from cmmsdb.target import Target, as_target, connect, ensure_writable, extension_installed

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


class Moved:
    """Rows moved per table; `work_orders` is how many work orders."""

    rows: dict[str, int]

    @property
    def work_orders(self) -> int:
        return self.rows.get("work_orders", 0)


@dataclass(frozen=True)
class Batch(Moved):
    """One committed (or, on a dry run, rolled-back) batch: rows moved per table."""

    number: int
    rows: dict[str, int]
    seconds: float


@dataclass(frozen=True)
class ArchiveReport(Moved):
    """The result of `cmmsdb archive`: rows moved (or, dry run, that would move) per table.

    `before` is the cut-off: closed or cancelled work orders finished (completed_at, else
    updated_at) before it are archived. `longest_batch_seconds` is the longest transaction,
    the longest any archived row stayed locked.
    """

    target: str
    dry_run: bool
    exact: bool
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
            "exact": self.exact,
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
class RestoreReport(Moved):
    """The result of restore: rows moved back per table. `requested` is how many ids were
    given, `since` the archiving date given (work orders archived at or after it)."""

    target: str
    organization_id: UUID
    requested: int
    rows: dict[str, int] = field(default_factory=dict)
    since: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "organization_id": str(self.organization_id),
            "requested": self.requested,
            "since": self.since.isoformat() if self.since else None,
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
    exact: bool = False,
    now: datetime | None = None,
    options: Options | None = None,
    on_batch: BatchCallback | None = None,
) -> ArchiveReport:
    """Move closed and cancelled work orders finished more than `older_than` ago (before
    `now`, default the current time), with their dependants, into cmms_archive, `batch_size`
    work orders per transaction, until none is left. `dry_run` only counts, with read-only
    queries; `dry_run` and `exact` move everything in one transaction rolled back."""
    target = as_target(target)
    age = older_than if isinstance(older_than, Age) else parse_age(older_than)
    if batch_size < 1:
        raise ConfigurationError("--batch-size must be at least 1")
    if exact and not dry_run:
        raise ConfigurationError("--exact goes with --dry-run", "add --dry-run, or drop --exact")
    options = options or Options()
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    before = age.before(moment)
    totals = dict.fromkeys(TABLES, 0)
    batches: list[Batch] = []
    started = time.monotonic()
    with connect(target, connect_timeout=options.connect_timeout) as conn:
        _refuse_on_citus(conn, target, "archive")
        if dry_run and not exact:
            batches = _count(conn, before)
        else:
            batches = _locked_run(conn, target, before, batch_size, exact, options, on_batch)
    for batch in batches:
        for table, count in batch.rows.items():
            totals[table] = totals.get(table, 0) + count
    return ArchiveReport(
        target.display,
        dry_run,
        exact or not dry_run,
        str(age),
        before,
        batch_size,
        totals,
        len(batches),
        time.monotonic() - started,
        max((b.seconds for b in batches), default=0.0),
    )


def _locked_run(
    conn: psycopg.Connection[Any],
    target: Target,
    before: datetime,
    batch_size: int,
    exact: bool,
    options: Options,
    on_batch: BatchCallback | None,
) -> list[Batch]:
    """A run, or an exact dry run, holding the archive lock: one archiver at a time."""
    if not exact:
        ensure_writable(conn, target)
    batches: list[Batch] = []
    with session.advisory_lock(
        conn, session.ARCHIVE_LOCK, options.wait, "archiver", "the archive lock"
    ):
        if exact:
            return _dry_run(conn, before, options)
        while batch := _batch(conn, before, batch_size, len(batches) + 1, options):
            batches.append(batch)
            if on_batch:
                on_batch(batch)
    return batches


def _count(conn: psycopg.Connection[Any], before: datetime) -> list[Batch]:
    """What a run would move, counted in one read-only transaction: no row lock, no write."""
    started = time.monotonic()
    conn.read_only = True
    with conn.transaction():
        rows = _call(conn, "count", {"before": before})
    return [Batch(1, rows, time.monotonic() - started)] if rows.get("work_orders") else []


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
        rows = _call(conn, "archive", {"before": before, "batch_size": batch_size})
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
            rows = _call(conn, "archive", {"before": before, "batch_size": 2**31 - 1})
    except psycopg.errors.LockNotAvailable as exc:
        raise _gave_up("count the work orders to archive")(
            GaveUp(1, options.lock_timeout, first_line(exc))
        ) from None
    return [Batch(1, rows, time.monotonic() - started)] if rows.get("work_orders") else []


def restore(
    target: str | Target,
    organization_id: UUID | str,
    work_order_ids: Sequence[UUID | str] = (),
    *,
    since: datetime | None = None,
    options: Options | None = None,
) -> RestoreReport:
    """Move archived work orders of one organization, with their dependants, back into cmms,
    in one transaction (retried on lock timeouts): those of `work_order_ids` and those
    archived at or after `since`. Ids not in the archive (or another tenant's) are ignored."""
    target = as_target(target)
    options = options or Options()
    org = _uuid(organization_id, "an organization")
    ids = [_uuid(i, "a work order") for i in work_order_ids]
    if not ids and since is None:
        raise ConfigurationError(
            "nothing to restore: no work order id and no date",
            "give --id (repeatable) and/or --since DATE",
        )
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    with connect(target, connect_timeout=options.connect_timeout) as conn:
        _refuse_on_citus(conn, target, "restore")
        ensure_writable(conn, target)
        rows = with_lock_retries(
            conn,
            lambda: _call(
                conn, "restore", {"organization": org, "ids": ids or None, "since": since}
            ),
            cap=options.lock_timeout,
            retries=options.lock_retries,
            give_up=_gave_up("restore work orders"),
        )
    return RestoreReport(target.display, org, len(ids), dict.fromkeys(TABLES, 0) | rows, since)


def _uuid(text: UUID | str, what: str) -> UUID:
    try:
        return UUID(str(text))
    except ValueError:
        raise ConfigurationError(f"{text!r} is not {what} id", "give a uuid") from None


def _refuse_on_citus(conn: psycopg.Connection[Any], target: Target, command: str) -> None:
    """The archive is not distributed on a Citus cluster (docs/scale-out.md): refuse before
    anything is locked or moved, rather than fail in the middle of a batch."""
    if extension_installed(conn, "citus"):
        raise ArchiveError(
            f"cmmsdb {command} does not run on a Citus database yet ({target.display}):"
            " the cmms_archive tables are not distributed; nothing was moved",
            "see docs/scale-out.md, What differs from a single server",
        )


_CALLS = {
    "archive": "archive_batch.sql",
    "count": "archive_count.sql",
    "restore": "archive_restore.sql",
}


def _call(conn: psycopg.Connection[Any], which: str, params: dict[str, Any]) -> dict[str, int]:
    """Run one of the stored functions; a server error other than a lock timeout becomes
    an ArchiveError naming it."""
    import psycopg
    from psycopg import errors

    try:
        return {name: int(count) for name, count in conn.execute(query(_CALLS[which]), params)}
    except errors.LockNotAvailable:
        raise
    except (errors.UndefinedFunction, errors.InvalidSchemaName):
        raise ArchiveError(
            "the database has no cmms_archive archiving functions of this version",
            "run `cmmsdb migrate` first (migrations 0130, 0131 and 0158-0160)",
        ) from None
    except errors.InsufficientPrivilege as exc:
        raise PermissionDenied(
            f"{which} refused: {first_line(exc)}",
            "connect as a login granted cmms_maintainer (GRANT cmms_maintainer TO <login>)"
            " or as a superuser",
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
