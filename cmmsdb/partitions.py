"""Partitioned tables: list them all, and keep the monthly ones maintained.

`maintain` manages every table of schema cmms partitioned BY RANGE on one timestamptz
column: it creates the partitions of the current month and the next `ahead` months (UTC,
named <table>_pYYYY_MM, from templates/partitions/monthly_partition.sql.j2, each with a
copy of the parent's TRUNCATE triggers), and archives the monthly partitions older than
`retain` months: a plain DETACH, then SET SCHEMA cmms_archive. It never drops data.

Safe from cron: one maintainer at a time (an advisory lock of its own), every statement
under lock_timeout with a bounded number of retries, each action in its own transaction (a
failure keeps the actions before it), and a second run finds nothing to do.

Rows are never silently left in a default partition: both `list` and `maintain` count them
exactly. A monthly partition created over months that have rows in the default partition
takes them along: in one transaction the default partition is detached, the monthly
partitions and a fresh default partition are created, its rows are re-inserted through the
parent, and the old copy is dropped.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from cmmsdb import session, templates
from cmmsdb.conventions import ARCHIVE_SCHEMA, SCHEMA
from cmmsdb.errors import (
    ConfigurationError,
    MaintenanceFailed,
    PartitionError,
    ReadOnlyTarget,
    first_line,
)
from cmmsdb.resources import query
from cmmsdb.session import GaveUp, Options, with_lock_retries
from cmmsdb.target import DEFAULT_CONNECT_TIMEOUT, Target, as_target, connect, ensure_writable

if TYPE_CHECKING:
    import psycopg


_T = TypeVar("_T")
_RANGE_BOUNDS = re.compile(r"^FOR VALUES FROM \((.*)\) TO \((.*)\)$")


@dataclass(frozen=True)
class Partition:
    """One partition: its bounds as PostgreSQL prints them, and the planner's row estimate.

    `range_from`/`range_to` are set for range partitions (None: MINVALUE/MAXVALUE);
    `row_estimate` is None when the partition was never vacuumed or analyzed.
    """

    name: str
    bounds: str
    is_default: bool
    row_estimate: int | None
    range_from: datetime | None = None
    range_to: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "bounds": self.bounds,
            "default": self.is_default,
            "from": self.range_from.isoformat() if self.range_from else None,
            "to": self.range_to.isoformat() if self.range_to else None,
            "row_estimate": self.row_estimate,
        }


@dataclass(frozen=True)
class PartitionedTable:
    """A partitioned table of schema cmms; `default_rows` is an exact count, None without one."""

    name: str
    strategy: str
    key: str
    maintained: bool
    partitions: list[Partition]
    default_partition: str | None
    default_rows: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "strategy": self.strategy,
            "key": self.key,
            "maintained": self.maintained,
            "default_partition": self.default_partition,
            "default_rows": self.default_rows,
            "partitions": [p.to_dict() for p in self.partitions],
        }


@dataclass(frozen=True)
class DefaultRows:
    """A default partition that holds rows: rows outside every other partition."""

    table: str
    partition: str
    rows: int


@dataclass(frozen=True)
class PartitionList:
    """The result of `cmmsdb partitions list`."""

    target: str
    tables: list[PartitionedTable]

    @property
    def default_rows(self) -> list[DefaultRows]:
        return [
            DefaultRows(t.name, t.default_partition, t.default_rows)
            for t in self.tables
            if t.default_partition and t.default_rows
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "tables": [t.to_dict() for t in self.tables],
            "default_rows": [vars(d) for d in self.default_rows],
        }


@dataclass(frozen=True)
class Action:
    """One thing maintain did (or, on a dry run, would do), in a transaction of its own.

    action: "create" (partition: the new monthly partition), "archive" (partition: its new
    name in cmms_archive) or "move_default_rows" (partition: the default partition; created:
    the monthly partitions created in the same transaction; rows: how many rows moved from
    the default partition into them). `sql` is set on dry runs only.
    """

    table: str
    action: str
    partition: str
    range_from: date | None = None
    range_to: date | None = None
    created: list[str] = field(default_factory=list)
    rows: int | None = None
    seconds: float | None = None
    sql: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "action": self.action,
            "partition": self.partition,
            "from": self.range_from.isoformat() if self.range_from else None,
            "to": self.range_to.isoformat() if self.range_to else None,
            "created": self.created,
            "rows": self.rows,
            "seconds": self.seconds,
            "sql": self.sql,
        }


ActionCallback = Callable[[Action], None]


@dataclass(frozen=True)
class MaintainReport:
    """The result of `cmmsdb partitions maintain`.

    `today` is the date maintenance went by (UTC); `retain_from` the first day of the oldest
    month kept attached. `default_rows` lists the default partitions still holding rows
    afterwards (on a dry run: those that would), which is the problem maintain exits 1 for.
    """

    target: str
    dry_run: bool
    today: date
    ahead: int
    retain: int
    retain_from: date
    tables: list[str]
    actions: list[Action]
    default_rows: list[DefaultRows]

    @property
    def problems(self) -> list[DefaultRows]:
        return self.default_rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "dry_run": self.dry_run,
            "today": self.today.isoformat(),
            "ahead": self.ahead,
            "retain": self.retain,
            "retain_from": self.retain_from.isoformat(),
            "tables": self.tables,
            "actions": [a.to_dict() for a in self.actions],
            "default_rows": [vars(d) for d in self.default_rows],
        }


# --- reading the catalog -----------------------------------------------------------------


@dataclass(frozen=True)
class _Parent:
    """A row of partitions_tables.sql: a partitioned table, its names as stored and quoted."""

    oid: int
    name: str
    quoted_schema: str
    quoted_table: str
    relname: str
    strategy: str
    key: str
    key_column: str
    maintained: bool
    default_partition: str | None
    quoted_default: str | None
    act_as: str | None

    @property
    def qualified(self) -> str:
        return f"{self.quoted_schema}.{self.quoted_table}"


@dataclass(frozen=True)
class _Child:
    partition: Partition
    quoted_name: str
    relname: str


def _parents(conn: psycopg.Connection[Any]) -> list[_Parent]:
    return [_Parent(*row) for row in conn.execute(query("partitions_tables.sql"))]


def _children(conn: psycopg.Connection[Any], parent: _Parent) -> list[_Child]:
    children = []
    rows = conn.execute(query("partitions_children.sql"), {"oid": parent.oid})
    for name, quoted_name, relname, bounds, is_default, estimate in rows:
        lower, upper = _range(bounds)
        partition = Partition(
            name, bounds, is_default, estimate if estimate >= 0 else None, lower, upper
        )
        children.append(_Child(partition, quoted_name, relname))
    return children


def _range(bounds: str) -> tuple[datetime | None, datetime | None]:
    """The bounds of a range partition on a timestamptz key (None: unbounded or not a range)."""
    match = _RANGE_BOUNDS.match(bounds)
    if not match:
        return None, None
    return _timestamp(match.group(1)), _timestamp(match.group(2))


def _timestamp(literal: str) -> datetime | None:
    if not (literal.startswith("'") and literal.endswith("'")):
        return None  # MINVALUE, MAXVALUE
    try:
        return datetime.fromisoformat(literal[1:-1])
    except ValueError:
        return None  # infinity, or not a timestamp key


def _count(conn: psycopg.Connection[Any], relation: str) -> int:
    row = conn.execute(_compose(conn, "partitions_count.sql", relation=relation)).fetchone()
    return int(row[0]) if row else 0


def _compose(conn: psycopg.Connection[Any], name: str, /, **parts: str) -> str:
    """A query file with its {placeholders} replaced by names already quoted by quote_ident."""
    from psycopg import sql

    body = "\n".join(line for line in query(name).splitlines() if not line.startswith("--"))
    return sql.SQL(body).format(**{k: sql.SQL(v) for k, v in parts.items()}).as_string(conn)


def _session(conn: psycopg.Connection[Any], lock_timeout: float) -> None:
    """UTC and ISO bounds, dead-client detection, and every lock wait bounded."""
    conn.execute(query("partitions_session.sql"))
    session.set_lock_timeout(conn, session.milliseconds(lock_timeout))


def list_partitioned(
    target: str | Target,
    *,
    lock_timeout: float = 5.0,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> PartitionList:
    """Every partitioned table in schema cmms with its partitions, row estimates and the
    exact row count of its default partition."""
    target = as_target(target)
    import psycopg
    from psycopg import errors

    with connect(target, connect_timeout=connect_timeout) as conn:
        _session(conn, lock_timeout)
        tables = []
        for parent in _parents(conn):
            children = _children(conn, parent)
            rows = None
            if parent.quoted_default:
                try:
                    with conn.transaction():
                        rows = _count_as_owner(conn, parent)
                except errors.LockNotAvailable:
                    raise PartitionError(
                        f"could not count the rows of {parent.default_partition} within "
                        f"{lock_timeout:g}s: a transaction holds a lock on it",
                        "run again later or raise --lock-timeout",
                    ) from None
                except psycopg.Error as exc:
                    raise PartitionError(
                        f"could not count the rows of {parent.default_partition}: "
                        f"{first_line(exc)}",
                        "run it as a member of the table's owner role",
                    ) from None
            tables.append(
                PartitionedTable(
                    parent.name,
                    parent.strategy,
                    parent.key,
                    parent.maintained,
                    [child.partition for child in children],
                    parent.default_partition,
                    rows,
                )
            )
    return PartitionList(target.display, tables)


# --- maintenance -------------------------------------------------------------------------


@dataclass
class _Plan:
    """An action to take, with the SQL it runs (one execute per statement)."""

    table: str
    action: str
    partition: str
    statements: list[str]
    range_from: date | None = None
    range_to: date | None = None
    created: list[str] = field(default_factory=list)
    rows: int | None = None
    needs_archive_schema: bool = False
    act_as: str | None = None  # the table's owner, when maintenance must SET LOCAL ROLE to it
    month: date | None = None  # create: the month, to fall back on moving default rows
    insert_at: int | None = None  # move_default_rows: the statement that re-inserts the rows
    new_default: str | None = None

    def action_record(self, sql: str | None, seconds: float | None = None) -> Action:
        return Action(
            self.table,
            self.action,
            self.partition,
            self.range_from,
            self.range_to,
            self.created,
            self.rows,
            seconds,
            sql,
        )


@dataclass
class _Table:
    """A maintained table with what its actions need: TRUNCATE triggers and columns."""

    parent: _Parent
    triggers: list[dict[str, str]]
    columns: str


@dataclass
class _Run:
    conn: psycopg.Connection[Any]
    options: Options
    dry_run: bool
    archive_schema: bool
    notify: ActionCallback
    done: list[Action] = field(default_factory=list)


def maintain(
    target: str | Target,
    *,
    ahead: int = 3,
    retain: int = 12,
    table: str | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
    options: Options | None = None,
    on_progress: ActionCallback | None = None,
) -> MaintainReport:
    """Create the partitions of the current month and the next `ahead` months, archive those
    older than `retain` months, and report default partitions that hold rows.

    `table` restricts maintenance to one table ("events" or "cmms.events"); `now` pins the
    clock (default: the current time; a naive datetime is taken as UTC). `options` gives
    lock_timeout, lock_retries, wait (for another maintainer) and connect_timeout.
    """
    target = as_target(target)
    if ahead < 0 or retain < 0:
        raise ConfigurationError("--ahead and --retain must be 0 or more")
    options = options or Options()
    today = _today(now)
    retain_from = _month(today, -retain)
    with connect(target, connect_timeout=options.connect_timeout) as conn:
        conn.execute(query("partitions_session.sql"))
        if not dry_run:
            _ensure_writable(conn, target)
        lock = session.advisory_lock(
            conn,
            session.PARTITION_LOCK,
            options.wait,
            "partition maintainer",
            "the partition maintenance lock",
        )
        with nullcontext() if dry_run else lock:
            session.set_lock_timeout(conn, session.milliseconds(options.lock_timeout))
            parents = _chosen(_parents(conn), table)
            run = _Run(
                conn,
                options,
                dry_run,
                _schema_exists(conn, ARCHIVE_SCHEMA),
                on_progress or (lambda _: None),
            )
            for parent in parents:
                if parent.maintained:
                    plan = partial(_plan_table, run, parent, today, ahead, retain_from)
                    for step in _attempt(run, f"reading {parent.name}", plan):
                        _perform(run, step)
            leftovers = _default_rows(run, [p.name for p in parents])
    return MaintainReport(
        target.display,
        dry_run,
        today,
        ahead,
        retain,
        retain_from,
        [p.name for p in parents if p.maintained],
        run.done,
        leftovers,
    )


def _today(now: datetime | None) -> date:
    if now is None:
        return datetime.now(UTC).date()
    if now.tzinfo is None:
        return now.date()
    return now.astimezone(UTC).date()


def _month(day: date, offset: int = 0) -> date:
    """The first day of the month `offset` months after the month of `day`."""
    index = day.year * 12 + day.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _ensure_writable(conn: psycopg.Connection[Any], target: Target) -> None:
    try:
        ensure_writable(conn, target)
    except ReadOnlyTarget as exc:
        exc.hint = "run partition maintenance against the primary (--dry-run works anywhere)"
        raise


def _chosen(parents: list[_Parent], table: str | None) -> list[_Parent]:
    """All partitioned tables of cmms, or the one --table names (which must be maintained)."""
    if table is None:
        return parents
    name = table if "." in table else f"{SCHEMA}.{table}"
    found = [p for p in parents if p.name == name]
    if not found:
        raise ConfigurationError(
            f"{name} is not a partitioned table of schema {SCHEMA}",
            "see `cmmsdb partitions list`",
        )
    if not found[0].maintained:
        raise ConfigurationError(
            f"{name} is partitioned {found[0].key}: only tables partitioned BY RANGE on one "
            "timestamptz column are maintained",
            "see `cmmsdb partitions list`",
        )
    return found


def _schema_exists(conn: psycopg.Connection[Any], schema: str) -> bool:
    row = conn.execute(query("partitions_schema_exists.sql"), {"schema": schema}).fetchone()
    return bool(row and row[0])


def _attempt(run: _Run, what: str, work: Callable[[], _T]) -> _T:
    """Run `work` in a transaction, with lock retries (cmmsdb.session); any failure
    becomes one error naming what was kept."""
    import psycopg

    def give_up(gave_up: GaveUp) -> MaintenanceFailed:
        return MaintenanceFailed(
            f"{what}: {gave_up.describe()}",
            "a long transaction holds a lock on that table; run again later or raise "
            "--lock-timeout or --lock-retries",
        )

    try:
        return with_lock_retries(
            run.conn,
            work,
            cap=run.options.lock_timeout,
            retries=run.options.lock_retries,
            give_up=give_up,
        )
    except MaintenanceFailed as exc:
        exc.hint = f"{exc.hint}; {_kept(run.done)}"
        raise
    except psycopg.Error as exc:
        raise MaintenanceFailed(
            f"{what} failed: {first_line(exc)}",
            f"it was rolled back; {_kept(run.done)}",
        ) from None


def _kept(done: Sequence[Action]) -> str:
    if not done:
        return "nothing was changed before it"
    return "done before it and kept: " + ", ".join(
        f"{_VERBS[a.action]} {a.partition}" for a in done
    )


_VERBS = {"create": "created", "archive": "archived", "move_default_rows": "moved rows of"}


def _plan_table(
    run: _Run, parent: _Parent, today: date, ahead: int, retain_from: date
) -> list[_Plan]:
    """What one table needs: missing months created (the current one, the `ahead` after it,
    and every month that has rows in the default partition, taking those rows along), then
    monthly partitions past retention archived (those just created included)."""
    conn = run.conn
    _act_as(conn, parent)
    table = _Table(parent, _triggers(conn, parent), _columns(conn, parent))
    children = [c for c in _children(conn, parent) if not c.partition.is_default]
    months = [_month(today, i) for i in range(ahead + 1)]
    missing = [m for m in months if not _covered(children, m)]
    if parent.quoted_default:
        missing = sorted({*missing, *_months_of_default_rows(conn, parent, children, retain_from)})
    _refuse_taken(conn, SCHEMA, [_monthly_name(parent, m) for m in missing])
    plans: list[_Plan] = []
    if missing:
        rows = _rows_in_months(conn, parent, missing) if parent.quoted_default else 0
        if rows:
            plans.append(_move_plan(conn, table, missing, rows))
        else:
            plans += [_create_plan(table, month) for month in missing]
    monthly = re.compile(re.escape(parent.relname) + r"_p\d{4}_\d{2}")
    old = [
        c
        for c in children
        if monthly.fullmatch(c.relname)
        and c.partition.range_to is not None
        and c.partition.range_to <= _utc(retain_from)
    ]
    old += [_new_child(parent, m) for m in missing if _month(m, 1) <= retain_from]
    plans += [_archive_plan(conn, parent, child) for child in old]
    return plans


def _months_of_default_rows(
    conn: psycopg.Connection[Any], parent: _Parent, children: Sequence[_Child], retain_from: date
) -> list[date]:
    """The months with rows in the default partition that no partition covers: each gets its
    monthly partition (archived at once if past retention). Not a month past retention whose
    name is taken in cmms_archive (archived before): its rows stay, reported."""
    assert parent.quoted_default is not None
    text = _compose(
        conn,
        "partitions_default_months.sql",
        relation=parent.quoted_default,
        key=parent.key_column,
    )
    months = [row[0] for row in conn.execute(text)]
    months = [m for m in months if not _covered(children, m)]
    past = [_monthly_name(parent, m) for m in months if _month(m, 1) <= retain_from]
    params = {"schema": ARCHIVE_SCHEMA, "names": past}
    archived = {row[0] for row in conn.execute(query("partitions_existing.sql"), params)}
    return [m for m in months if _monthly_name(parent, m) not in archived]


def _new_child(parent: _Parent, month: date) -> _Child:
    """A monthly partition this run creates, as _children would read it afterwards."""
    name = _monthly_name(parent, month)
    lower, upper = _utc(month), _utc(_month(month, 1))
    bounds = f"FOR VALUES FROM ('{lower}') TO ('{upper}')"
    partition = Partition(f"{SCHEMA}.{name}", bounds, False, None, lower, upper)
    return _Child(partition, f"{parent.quoted_schema}.{name}", name)


def _triggers(conn: psycopg.Connection[Any], parent: _Parent) -> list[dict[str, str]]:
    triggers = []
    for name, function, arguments in conn.execute(
        query("partitions_truncate_triggers.sql"), {"oid": parent.oid}
    ):
        if arguments:
            raise MaintenanceFailed(
                f"{parent.name}: TRUNCATE trigger {name} passes arguments to {function}, which "
                "templates/partitions/monthly_partition.sql.j2 cannot copy to new partitions",
                "make the trigger function take no arguments",
            )
        triggers.append({"name": name, "function": function})
    return triggers


def _columns(conn: psycopg.Connection[Any], parent: _Parent) -> str:
    row = conn.execute(query("partitions_columns.sql"), {"oid": parent.oid}).fetchone()
    return str(row[0]) if row else ""


def _covered(children: Sequence[_Child], month: date) -> bool:
    """Whether a partition already holds (part of) this month: then none is created for it."""
    return covers([c.partition for c in children], month)


def covers(partitions: Sequence[Partition], month: date) -> bool:
    """Whether one of `partitions` (not a default one) holds (part of) `month`."""
    lower, upper = _utc(month), _utc(_month(month, 1))
    return any(
        (p.range_from is None or p.range_from < upper)
        and (p.range_to is None or p.range_to > lower)
        for p in partitions
        if not p.is_default
    )


def month_start(day: date, offset: int = 0) -> date:
    """The first day of the month `offset` months after the month of `day`."""
    return _month(day, offset)


def _monthly_name(parent: _Parent, month: date) -> str:
    return f"{parent.relname}_p{month:%Y_%m}"


def _refuse_taken(conn: psycopg.Connection[Any], schema: str, names: list[str]) -> None:
    """Never skip creating a partition (CREATE TABLE IF NOT EXISTS would) because an
    unrelated table has its name. (Archiving over a name taken in cmms_archive fails.)"""
    if not names:
        return
    params = {"schema": schema, "names": names}
    taken = [row[0] for row in conn.execute(query("partitions_existing.sql"), params)]
    if taken:
        listed = ", ".join(f"{schema}.{name}" for name in taken)
        raise MaintenanceFailed(
            f"cannot create partition {taken[0]}: {listed} already exists and is not a "
            "partition of its table",
            "look at its rows, then attach, rename or drop it",
        )


def _rows_in_months(conn: psycopg.Connection[Any], parent: _Parent, months: list[date]) -> int:
    assert parent.quoted_default is not None
    text = _compose(
        conn,
        "partitions_count_in_ranges.sql",
        relation=parent.quoted_default,
        key=parent.key_column,
    )
    params = {
        "lower": [_utc(m) for m in months],
        "upper": [_utc(_month(m, 1)) for m in months],
    }
    row = conn.execute(text, params).fetchone()
    return int(row[0]) if row else 0


def _monthly_sql(table: _Table, month: date) -> str:
    parent = table.parent
    return templates.render(
        "partitions/monthly_partition.sql.j2",
        schema=parent.quoted_schema,
        table=parent.quoted_table,
        partition=_monthly_name(parent, month),
        truncate_triggers=table.triggers,
        **{"from": month.isoformat(), "to": _month(month, 1).isoformat()},
    )


def _create_plan(table: _Table, month: date) -> _Plan:
    parent = table.parent
    return _Plan(
        parent.name,
        "create",
        f"{SCHEMA}.{_monthly_name(parent, month)}",
        [_monthly_sql(table, month)],
        month,
        _month(month, 1),
        act_as=parent.act_as,
        month=month,
    )


def _move_plan(
    conn: psycopg.Connection[Any], table: _Table, months: list[date], rows: int | None
) -> _Plan:
    """One transaction: detach the default partition (into cmms_archive, freeing its index
    names), create the monthly partitions and a fresh default partition, re-insert the old
    default partition's rows through the parent (its owner not forced under row-level
    security for that statement: the audit trail admits inserts from cmms_audit only), drop
    the old copy."""
    parent = table.parent
    assert parent.quoted_default is not None
    assert parent.default_partition is not None
    old = f"{ARCHIVE_SCHEMA}.{parent.quoted_default.split('.', 1)[1]}"
    new_default = f"{parent.quoted_schema}.{parent.relname}_default"
    statements = [
        _compose(
            conn,
            "partitions_move_detach.sql",
            parent=parent.qualified,
            default_partition=parent.quoted_default,
        ),
        *(_monthly_sql(table, month) for month in months),
        templates.render(
            "partitions/default_partition.sql.j2",
            schema=parent.quoted_schema,
            table=parent.relname,
        ),
        *(
            _compose(
                conn,
                "partitions_truncate_trigger.sql",
                trigger=trigger["name"],
                relation=new_default,
                function=trigger["function"],
            )
            for trigger in table.triggers
        ),
    ]
    forced = _forces_row_security(conn, parent)
    if forced:
        statements.append(_compose(conn, "partitions_move_unforce.sql", parent=parent.qualified))
    insert_at = len(statements)
    statements.append(
        _compose(
            conn,
            "partitions_move_insert.sql",
            parent=parent.qualified,
            columns=table.columns,
            old=old,
        )
    )
    if forced:
        statements.append(_compose(conn, "partitions_move_force.sql", parent=parent.qualified))
    statements.append(_compose(conn, "partitions_move_drop.sql", old=old))
    return _Plan(
        parent.name,
        "move_default_rows",
        parent.default_partition,
        statements,
        created=[f"{SCHEMA}.{_monthly_name(parent, m)}" for m in months],
        rows=rows,
        needs_archive_schema=True,
        act_as=parent.act_as,
        insert_at=insert_at,
        new_default=new_default,
    )


def _forces_row_security(conn: psycopg.Connection[Any], parent: _Parent) -> bool:
    row = conn.execute(query("partitions_forces_rls.sql"), {"oid": parent.oid}).fetchone()
    return bool(row and row[0])


def _archive_plan(conn: psycopg.Connection[Any], parent: _Parent, child: _Child) -> _Plan:
    """Detach into cmms_archive; a parent that forces row-level security hands it on."""
    lower, upper = child.partition.range_from, child.partition.range_to
    statements = [
        _compose(
            conn, "partitions_archive.sql", parent=parent.qualified, partition=child.quoted_name
        )
    ]
    if _forces_row_security(conn, parent):
        from psycopg import sql

        archived = sql.Identifier(ARCHIVE_SCHEMA, child.relname).as_string(conn)
        statements.append(_compose(conn, "partitions_archive_secure.sql", archived=archived))
    return _Plan(
        parent.name,
        "archive",
        f"{ARCHIVE_SCHEMA}.{child.relname}",
        statements,
        lower.date() if lower else None,
        upper.date() if upper else None,
        needs_archive_schema=True,
        act_as=parent.act_as,
    )


def _perform(run: _Run, plan: _Plan) -> None:
    """List a planned action (dry run) or run it in its own transaction, with retries."""
    if run.dry_run:
        statements = _with_prologue(run, plan)
        run.archive_schema = run.archive_schema or plan.needs_archive_schema
        run.done.append(plan.action_record("\n\n".join(s.strip() for s in statements) + "\n"))
        return
    started = time.monotonic()
    what = f"{plan.action.replace('_', ' ')} {plan.partition}"
    done = _attempt(run, what, partial(_execute, run, plan))
    run.archive_schema = run.archive_schema or done.needs_archive_schema
    action = done.action_record(None, round(time.monotonic() - started, 3))
    run.done.append(action)
    run.notify(action)


def _with_prologue(run: _Run, plan: _Plan) -> list[str]:
    """The plan's statements, after SET LOCAL ROLE to the table's owner and, the first time
    cmms_archive is needed and missing, CREATE SCHEMA."""
    prologue = []
    if plan.act_as:
        prologue.append(_compose(run.conn, "partitions_set_role.sql", role=plan.act_as))
    if plan.needs_archive_schema and not run.archive_schema:
        prologue.append(_compose(run.conn, "partitions_archive_schema.sql"))
    return [*prologue, *plan.statements]


def _execute(run: _Run, plan: _Plan) -> _Plan:
    """Run a plan's statements (inside the caller's transaction). A monthly partition whose
    month has rows in the default partition (they arrived since planning) moves them."""
    from psycopg import errors

    conn = run.conn
    if plan.action == "create":
        try:
            with conn.transaction():
                _run_statements(run, plan)
            return plan
        except errors.CheckViolation:
            assert plan.month is not None
            parents = {p.name: p for p in _parents(conn)}
            parent = parents[plan.table]
            table = _Table(parent, _triggers(conn, parent), _columns(conn, parent))
            plan = _move_plan(conn, table, [plan.month], None)
    inserted = _run_statements(run, plan)
    if plan.action == "move_default_rows":
        assert plan.new_default is not None
        plan.rows = inserted - _count(conn, plan.new_default)
    return plan


def _run_statements(run: _Run, plan: _Plan) -> int:
    """Execute each statement; return the row count of the re-inserting one, if any."""
    inserted = 0
    statements = _with_prologue(run, plan)
    offset = len(statements) - len(plan.statements)
    for number, statement in enumerate(statements):
        for part in _one_by_one(statement):
            cursor = run.conn.execute(part.encode())
        if plan.insert_at is not None and number == plan.insert_at + offset:
            inserted = cursor.rowcount
    return inserted


def _one_by_one(text: str) -> list[str]:
    """The statements of `text`, split at each `;` that ends a line (the query files and
    partition templates hold no function bodies): one string per statement, as Citus needs
    to propagate DDL to its workers (it sends the string as a prepared statement)."""
    parts = [part.strip() for part in re.split(r";[ \t]*$", text, flags=re.MULTILINE)]
    return [part for part in parts if part] or [text]


def _default_rows(run: _Run, names: list[str]) -> list[DefaultRows]:
    """Default partitions that hold rows, read afresh after the actions (exact counts; on a
    dry run, net of the rows the planned moves would take along)."""
    moved = {a.table: a.rows or 0 for a in run.done if a.action == "move_default_rows"}
    found = []
    for parent in _parents(run.conn):
        if parent.name not in names or not parent.quoted_default or not parent.default_partition:
            continue
        what = f"counting the rows of {parent.default_partition}"
        count = _attempt(run, what, partial(_count_as_owner, run.conn, parent))
        if run.dry_run:
            count -= moved.get(parent.name, 0)
        if count:
            found.append(DefaultRows(parent.name, parent.default_partition, count))
    return found


def _count_as_owner(conn: psycopg.Connection[Any], parent: _Parent) -> int:
    assert parent.quoted_default is not None
    _act_as(conn, parent)
    return _count(conn, parent.quoted_default)


def _act_as(conn: psycopg.Connection[Any], parent: _Parent) -> None:
    """Read as the table's owner too (for this transaction): its partitions may grant nothing
    to the login role itself."""
    if parent.act_as:
        conn.execute(_compose(conn, "partitions_set_role.sql", role=parent.act_as))
