"""Fake tenants at scale: `cmmsdb seed` fills a migrated database with organizations whose
data looks and relates like a real maintenance operation, reproducibly.

- Rows come from seeding/tenant.py, per tenant, sized by a profile (seeds/*.toml) and a
  Pareto factor per tenant; the same seed gives the same rows, times included (they are
  derived from a fixed base time).
- Column lists, types and allowed values come from the migrated database's catalog
  (seeding/schema.py): a column a migration adds needs no edit here, and a table without
  a generator is left empty.
- They are written with binary COPY, one transaction per tenant. COPY cannot write through
  row-level security, so seeding takes a superuser, which bypasses it: it says so.
- Triggers are skipped for the load (session_replication_role = replica): every foreign
  key is valid and every number given by construction, and the audit records the triggers
  would have written are written in one statement per table. CHECK and unique constraints
  are still enforced by the server.
- The organizations made are recorded in cmmsdb.seeded_organizations; `purge_fake` removes
  them, their rows and their audit records (archived ones included), and nothing else.
- Ctrl-C rolls back the tenants being written and keeps those committed (SeedInterrupted
  says how many, exit 130).
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from itertools import chain
from typing import TYPE_CHECKING, Any

from cmmsdb import conventions
from cmmsdb.errors import SeedError, SeedInterrupted
from cmmsdb.resources import default_migrations_dir, query
from cmmsdb.seeding import schema
from cmmsdb.seeding.profile import MAX_TENANTS, Profile, load
from cmmsdb.seeding.tenant import GENERATORS, Generator, Tenant
from cmmsdb.target import DEFAULT_CONNECT_TIMEOUT, Target, as_target, connect, ensure_writable

if TYPE_CHECKING:
    from pathlib import Path

    import psycopg

    from cmmsdb.seeding.pools import Pools

BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)
MAX_SCALE = 1_000.0
DEFAULT_JOBS = max(1, min(4, os.cpu_count() or 1))
MAX_JOBS = 32


@dataclass(frozen=True)
class Progress:
    """One table of one tenant written (for progress bars). Events come one at a time, even
    with several jobs: `rows` is what this tenant wrote, `written` what the run has written
    to the table so far, `expected` about how many rows of the table the whole run writes,
    and `finished` is true on the one event after which every tenant has written the table
    (`tenant` is the position of the tenant in the run, 1 to `tenants`)."""

    table: str
    rows: int
    tenant: int
    tenants: int
    expected: int
    written: int = 0
    finished: bool = False


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class SeedReport:
    """What a seed wrote: rows per table, how long it took, and as whom."""

    target: str
    profile: str
    seed: int
    tenants: int
    written_as: str
    organizations: list[str]
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "total_rows": self.total_rows,
            "rows_per_second": round(self.rows_per_second),
        }


@dataclass(frozen=True)
class PurgeReport:
    """What a purge removed: the fake organizations (with their rows), every audit record
    of theirs, and their rows in cmms_archive's archive tables (archived work orders)."""

    target: str
    organizations: int
    seconds: float
    audit_records: int = 0
    archives_dropped: list[str] = field(default_factory=list)
    archived_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def seed(
    target: str | Target,
    *,
    profile: str = "demo",
    tenants: int | None = None,
    scale: float = 1.0,
    seed: int = 42,
    jobs: int | None = None,
    on_progress: ProgressCallback | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    migrations: Path | None = None,
) -> SeedReport:
    """Add fake tenants to a migrated database; see the module docstring. The database must
    be at the head of `migrations` (the shipped folder by default); the tables and columns
    are those its catalog has.

    Interrupted (Ctrl-C), it stops the tenants being written (rolled back) and raises
    SeedInterrupted, which says how many tenants were committed and kept.
    """
    target = as_target(target)
    chosen = load(profile)
    count = chosen.tenants if tenants is None else tenants
    jobs = DEFAULT_JOBS if jobs is None else jobs
    _check_counts(count, scale, jobs, chosen)
    from cmmsdb.seeding.pools import build

    started = time.monotonic()
    try:
        with connect(target, connect_timeout=connect_timeout) as conn:
            ensure_writable(conn, target)
            written_as = _refuse_non_superuser(conn)
            _refuse_unmigrated(target, migrations or default_migrations_dir(), connect_timeout)
            conn.execute(query("seed_bookkeeping.sql"))
            conn.commit()
            first = int(_one(conn, query("seed_next_tenant.sql"), {"seed": seed}))
            shapes = schema.read(conn)
            _refuse_disallowed_shares(chosen, shapes)
        sizes = _tenant_sizes(seed, count, chosen.pareto_alpha, scale)
        pools = build(seed)
        expected = {
            table: sum(round(rows * size) for size in sizes) for table, rows in chosen.rows.items()
        }
        work = [_Work(first + offset, size, offset, count) for offset, size in enumerate(sizes)]
        organizations, counts = _load_in_parallel(
            target,
            min(jobs, count),
            work,
            lambda c: _Loader(c, chosen, seed, pools, expected, shapes),
            _Tally(on_progress, count) if on_progress else None,
            connect_timeout,
        )
    except KeyboardInterrupt:  # before any tenant was being written
        raise SeedInterrupted(0, count) from None
    return SeedReport(
        target.display,
        chosen.name,
        seed,
        count,
        written_as,
        organizations,
        counts,
        time.monotonic() - started,
    )


def purge_fake(
    target: str | Target, *, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
) -> PurgeReport:
    """Remove every organization `seed` made, with all its rows and its whole audit trail
    (the one deletion of audit records allowed: fake data), in one transaction; nothing else.

    The organizations go first, with the triggers on (their rows cascade, and the cascade's
    audit records are written); then, with triggers skipped (superuser only), every audit
    record of those organizations, so that the same seed can make them again.
    """
    target = as_target(target)
    started = time.monotonic()
    with connect(target, connect_timeout=connect_timeout, autocommit=False) as conn:
        ensure_writable(conn, target)
        _refuse_purge_without_superuser(conn)
        removed = audit = archived = 0
        dropped: list[str] = []
        if _one(conn, query("seed_bookkeeping_exists.sql")):
            row = conn.execute(query("seed_purge.sql").encode()).fetchone()
            removed, organizations = (int(row[0]), list(row[1])) if row else (0, [])
            if organizations:
                conn.execute(query("seed_purge_replica.sql").encode())
                audit = conn.execute(
                    query("seed_purge_audit.sql").encode(), {"organizations": organizations}
                ).rowcount
                in_partitions, archived, dropped = _purge_archives(conn, organizations)
                audit += in_partitions
        conn.commit()
    return PurgeReport(
        target.display, removed, time.monotonic() - started, audit, dropped, archived
    )


def _purge_archives(
    conn: psycopg.Connection[Any], organizations: list[Any]
) -> tuple[int, int, list[str]]:
    """The fake organizations' rows in cmms_archive: records in the audit trail's archived
    partitions (a partition that held only theirs is dropped: maintenance may archive its
    month again) and rows of the archive tables of `cmmsdb archive` (kept, even empty).
    Returns how many audit records and how many archive table rows went, and the
    partitions dropped."""
    from psycopg import sql

    from cmmsdb.tenant_transfer import archive_tables, archived_partition

    records = rows = 0
    dropped = []
    for archive in archive_tables(conn):
        parts = {"archive": sql.SQL(archive)}
        statement = sql.SQL(query("seed_purge_archive.sql")).format(**parts)
        row = conn.execute(statement, {"organizations": organizations}).fetchone()
        gone, only_fake = row if row else (0, False)
        if not archived_partition(archive):
            rows += gone
            continue
        records += gone
        if gone and only_fake:
            conn.execute(sql.SQL(query("seed_purge_archive_drop.sql")).format(**parts))
            dropped.append(archive)
    return records, rows, dropped


def _check_counts(tenants: int, scale: float, jobs: int, profile: Profile) -> None:
    if not 1 <= tenants <= MAX_TENANTS:
        raise SeedError(f"--tenants must be between 1 and {MAX_TENANTS:,}, not {tenants}")
    if not 0 < scale <= MAX_SCALE:
        raise SeedError(f"--scale must be above 0 and at most {MAX_SCALE:g}, not {scale:g}")
    if not 1 <= jobs <= MAX_JOBS:
        raise SeedError(f"--jobs must be between 1 and {MAX_JOBS}, not {jobs}")
    known = set(GENERATORS)
    unknown = sorted(set(profile.rows) - known)
    if unknown:
        raise SeedError(
            f"profile {profile.name} names tables cmmsdb seed does not fill: {', '.join(unknown)}",
            f"use only: {', '.join(sorted(known))}",
        )


def _refuse_disallowed_shares(profile: Profile, shapes: dict[str, schema.Shape]) -> None:
    """The profile's work order shares must name values the catalog allows (a typo would
    otherwise be dropped silently)."""
    for column, shares in (
        ("status", profile.work_order_status),
        ("priority", profile.work_order_priority),
    ):
        what = f"profile {profile.name}'s [work_order_{column}]"
        if "work_orders" in shapes:
            schema.refuse_disallowed(shapes["work_orders"], column, shares, what)


def _refuse_unmigrated(target: Target, folder: Path, connect_timeout: float) -> None:
    from cmmsdb import migrator

    report = migrator.status(target, folder, connect_timeout=connect_timeout)
    pending = [m.id for m in report.problems]
    if pending:
        shown = ", ".join(pending[:5]) + (
            f" and {len(pending) - 5} more" if len(pending) > 5 else ""
        )
        raise SeedError(
            f"the database is not at the latest schema ({shown}); nothing was written",
            "run `cmmsdb migrate` first",
        )


def _refuse_non_superuser(conn: psycopg.Connection[Any]) -> str:
    role, superuser = conn.execute(query("seed_role.sql")).fetchone() or ("?", False)
    if not superuser:
        raise SeedError(
            f"role {role} is not a superuser: it is subject to row-level security, through "
            "which COPY cannot write, and cannot skip triggers for the load; nothing was written",
            "seed as a superuser, e.g. the postgres role",
        )
    return f"superuser {role} (bypasses row-level security: binary COPY, triggers' work in bulk)"


def _refuse_purge_without_superuser(conn: psycopg.Connection[Any]) -> None:
    role, superuser = conn.execute(query("seed_role.sql")).fetchone() or ("?", False)
    if not superuser:
        raise SeedError(
            f"role {role} is not a superuser: removing the fake tenants' audit records takes "
            "one (the audit trail refuses DELETE to everyone else); nothing was removed",
            "purge as a superuser, e.g. the postgres role",
        )


def _tenant_sizes(seed: int, tenants: int, alpha: float, scale: float) -> list[float]:
    """Each tenant's size factor: Pareto-distributed (most small, a few large), mean `scale`."""
    rng = random.Random(seed)
    draws = [rng.paretovariate(alpha) for _ in range(tenants)]
    mean = sum(draws) / tenants
    return [scale * draw / mean for draw in draws]


def _one(conn: psycopg.Connection[Any], text: str, params: dict[str, Any] | None = None) -> Any:
    row = conn.execute(text.encode(), params).fetchone()
    return row[0] if row else None


class _Tally:
    """Hands the progress of every worker to one callback, one event at a time, with the
    run's running total per table and which event completes a table."""

    def __init__(self, callback: ProgressCallback, tenants: int) -> None:
        self.callback, self.tenants = callback, tenants
        self.lock = threading.Lock()
        self.written: dict[str, int] = {}
        self.done: dict[str, int] = {}

    def __call__(self, event: Progress) -> None:
        with self.lock:
            table = event.table
            self.written[table] = self.written.get(table, 0) + event.rows
            self.done[table] = self.done.get(table, 0) + 1
            finished = self.done[table] == self.tenants
            self.callback(replace(event, written=self.written[table], finished=finished))


@dataclass(frozen=True)
class _Work:
    """One tenant to write: its number in this seed (its ids and names derive from it), its
    size factor, and its place in the run (for progress)."""

    number: int
    size: float
    position: int
    tenants: int


def _load_in_parallel(
    target: Target,
    jobs: int,
    work: list[_Work],
    make_loader: Callable[[psycopg.Connection[Any]], _Loader],
    notify: ProgressCallback | None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> tuple[list[str], dict[str, int]]:
    """Write the tenants over `jobs` connections side by side (a tenant's rows depend only on
    the seed and its number, so the data is the same whatever the order); one transaction per
    tenant. The first failure stops the other workers before their next tenant; an interrupt
    (Ctrl-C) cancels the tenants being written and raises SeedInterrupted."""
    from concurrent.futures import ThreadPoolExecutor, wait

    pending = iter(work)
    lock, failed = threading.Lock(), threading.Event()
    organizations: dict[int, str] = {}
    connections: list[psycopg.Connection[Any]] = []

    def worker() -> dict[str, int]:
        with connect(target, connect_timeout=connect_timeout) as conn:
            with lock:
                connections.append(conn)
            if failed.is_set():
                return {}
            loader = make_loader(conn)
            loader.stop = failed
            while not failed.is_set():
                with lock:
                    item = next(pending, None)
                if item is None:
                    break
                try:
                    organizations[item.position] = str(loader.tenant(item, notify))
                except _Abandoned:
                    break
                except BaseException:
                    failed.set()
                    raise
            return loader.counts

    with ThreadPoolExecutor(jobs, thread_name_prefix="cmmsdb-seed") as pool:
        futures = [pool.submit(worker) for _ in range(jobs)]
        try:
            results = [future.result() for future in futures]
        except KeyboardInterrupt:
            failed.set()
            with lock:
                for conn in connections:
                    with contextlib.suppress(Exception):  # a connection already closed
                        conn.cancel_safe()
            wait(futures)  # the cancelled tenants roll back; a tenant committed is kept
            raise SeedInterrupted(len(organizations), len(work)) from None
        finally:
            failed.set()
    counts: dict[str, int] = {}
    for result in results:
        for table, rows in result.items():
            counts[table] = counts.get(table, 0) + rows
    return [organizations[position] for position in sorted(organizations)], counts


class _Abandoned(Exception):
    """Another worker failed or the run was interrupted: the tenant is rolled back."""


class _Loader:
    """Writes tenants over one connection: one transaction each, rows by binary COPY, audit
    records in bulk."""

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        profile: Profile,
        seed: int,
        pools: Pools,
        expected: dict[str, int],
        shapes: dict[str, schema.Shape],
    ) -> None:
        self.conn, self.profile, self.seed, self.pools = conn, profile, seed, pools
        self.expected, self.shapes = expected, shapes
        self.allowed = {name: shape.allowed for name, shape in shapes.items()}
        self.stop: threading.Event | None = None  # set: abandon the tenant being written
        self.counts: dict[str, int] = {}
        self.audited: dict[str, tuple[list[str], list[str] | None]] = {
            name: (columns, secrets)
            for name, columns, secrets in conn.execute(query("seed_audited_tables.sql"))
        }
        conn.commit()

    def tenant(self, work: _Work, notify: ProgressCallback | None) -> uuid.UUID:
        rng = random.Random(f"{self.seed}:{work.number}")
        org = uuid.UUID(int=rng.getrandbits(128), version=4)
        tenant = Tenant(
            org,
            rng,
            BASE_TIME,
            self.pools,
            self.profile.work_order_status,
            self.profile.work_order_priority,
            self.allowed,
        )
        with self.conn.transaction():
            self.conn.execute(query("seed_replica.sql").encode())
            self._organization(tenant, work.number)
            for table, generator in GENERATORS.items():
                if self.stop is not None and self.stop.is_set():
                    raise _Abandoned
                wanted = round(self.profile.rows.get(table, 0) * work.size)
                written = self._copy(table, generator, tenant, wanted)
                self.counts[table] = self.counts.get(table, 0) + written
                if notify:
                    expected = self.expected.get(table, 0)
                    notify(Progress(table, written, work.position + 1, work.tenants, expected))
            self._audit(org)
            self.conn.execute(
                query("seed_record.sql").encode(),
                {
                    "organization_id": org,
                    "seed": self.seed,
                    "tenant_number": work.number,
                    "profile": self.profile.name,
                },
            )
        return org

    def _organization(self, tenant: Tenant, number: int) -> None:
        name = f"{tenant.rng.choice(self.pools.companies)} (fake {self.seed}-{number})"
        created = tenant.before_base()
        plan = tenant.chooser(
            "organizations", "plan", {"free": 1, "standard": 1, "enterprise": 1}
        )()
        row = {
            "id": tenant.org,
            "name": name,
            "slug": f"fake-{self.seed}-{number}",
            "plan": plan,
            "created_at": created,
            "updated_at": created,
        }
        written = self._write(conventions.TENANT_ROOT, iter((row,)), tenant)
        self.counts["organizations"] = self.counts.get("organizations", 0) + written

    def _copy(self, table: str, generator: Generator, tenant: Tenant, wanted: int) -> int:
        if wanted <= 0 or table not in self.shapes:  # a table the migrations no longer have
            return 0
        return self._write(table, iter(generator(tenant, wanted)), tenant)

    def _write(self, table: str, rows: Iterator[schema.Row], tenant: Tenant) -> int:
        """COPY named rows: the columns they give, then the required ones they do not
        (filled by type, see seeding/schema.py), in the catalog's types."""
        first = next(rows, None)
        if first is None:
            return 0
        from psycopg import sql

        plan = schema.plan(self.shapes[table], first, tenant.rng, tenant.base)
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            sql.Identifier(conventions.SCHEMA, table),
            sql.SQL(", ").join(map(sql.Identifier, plan.columns)),
        )
        written = 0
        with self.conn.cursor().copy(statement) as copy:
            copy.set_types(plan.types)
            write = copy.write_row
            for row in plan.tuples(chain((first,), rows)):
                write(row)
                written += 1
        return written

    def _audit(self, org: uuid.UUID) -> None:
        from psycopg import sql
        from psycopg.types.json import Jsonb

        text = query("seed_audit.sql")
        for table, (columns, secrets) in self.audited.items():
            if table != "organizations" and not self.profile.rows.get(table):
                continue
            statement = sql.SQL(text).format(
                table=sql.Identifier(table),
                columns=sql.SQL(", ").join(sql.Identifier("t", c) for c in columns),
                key=sql.Identifier("id" if table == "organizations" else "organization_id"),
            )
            redacted = Jsonb(dict.fromkeys(secrets or (), "[redacted]"))
            self.conn.execute(
                statement, {"table_name": table, "redacted": redacted, "organization_id": org}
            )
