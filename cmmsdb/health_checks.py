"""The health report a DBA reads in the morning: one finding per check, each green, yellow
or red, with what was seen and what to do.

Checks: the statements that take the most time (pg_stat_statements, when the server loads
it), the cache hit ratio, invalid and unused indexes, an estimate of the bloat of the
largest tables, long-running and idle-in-transaction sessions, standbys' lag and idle
replication slots, monthly partitions (the coming months present, rows in default
partitions), connections against max_connections, and the settings that matter for this
schema. Everything is read-only; a check that cannot run (a missing privilege) is a yellow
finding saying so, never a failed report. Red means act now: `cmmsdb health` exits 1.

See docs/health.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from cmmsdb import partitions
from cmmsdb.errors import CmmsdbError, first_line
from cmmsdb.resources import query
from cmmsdb.target import DEFAULT_CONNECT_TIMEOUT, Target, as_target, connect

if TYPE_CHECKING:
    import psycopg

GREEN, YELLOW, RED = "green", "yellow", "red"
SEVERITIES = (GREEN, YELLOW, RED)
MB = 1024 * 1024


@dataclass(frozen=True)
class Thresholds:
    """Where a finding turns yellow or red. Times in seconds, sizes in bytes."""

    top_statements: int = 5
    slow_mean_ms: float = 500.0  # yellow: a statement called 10+ times averages more
    cache_hit_yellow: float = 0.99
    cache_hit_red: float = 0.90
    cache_min_blocks: int = 100_000  # fewer blocks touched: too little activity to judge
    unused_index_bytes: int = MB
    bloat_tables: int = 10
    bloat_ratio: float = 0.5  # yellow: more than half of a table is not live rows
    bloat_min_bytes: int = 100 * MB
    active_yellow: float = 300.0
    active_red: float = 3600.0
    idle_in_transaction_yellow: float = 60.0
    idle_in_transaction_red: float = 600.0
    lag_yellow_seconds: float = 30.0
    lag_red_seconds: float = 300.0
    slot_red_bytes: int = 10 * 1024 * MB
    connections_yellow: float = 0.75
    connections_red: float = 0.90
    partition_months_ahead: int = 3  # `cmmsdb partitions maintain --ahead` default


@dataclass(frozen=True)
class Finding:
    """One check's verdict. `check` is a stable key (JSON consumers match on it), `name`
    the title for people; `data` holds the rows behind the verdict."""

    check: str
    severity: str
    name: str
    detail: str
    advice: str | None = None
    data: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "severity": self.severity,
            "name": self.name,
            "detail": self.detail,
            "advice": self.advice,
            "data": self.data,
        }


@dataclass(frozen=True)
class HealthReport:
    """The result of `cmmsdb health`: findings in check order; `ok` unless one is red."""

    target: str
    server_version: str
    checked_at: datetime
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return self.worst != RED

    @property
    def worst(self) -> str:
        return max((f.severity for f in self.findings), key=SEVERITIES.index, default=GREEN)

    def counts(self) -> dict[str, int]:
        return {s: sum(f.severity == s for f in self.findings) for s in SEVERITIES}

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "server_version": self.server_version,
            "checked_at": self.checked_at.isoformat(),
            "ok": self.ok,
            "worst": self.worst,
            "counts": self.counts(),
            "findings": [f.to_dict() for f in self.findings],
        }


Check = Callable[["psycopg.Connection[Any]", Thresholds], list[Finding]]


def health(
    target: str | Target,
    *,
    thresholds: Thresholds | None = None,
    now: datetime | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> HealthReport:
    """Run every check against `target` and return the findings. `now` pins the month the
    partition check counts from (default: the current time)."""
    target = as_target(target)
    limits = thresholds or Thresholds()
    moment = now or datetime.now(UTC)
    findings: list[Finding] = []
    with connect(target, connect_timeout=connect_timeout) as conn:
        version = conn.info.parameter_status("server_version") or ""
        for key, check in _CHECKS:
            findings += _guarded(conn, key, partial(check, conn, limits))
        findings += _partitions(target, limits, moment, connect_timeout)
    return HealthReport(target.display, version, moment, findings)


def _guarded(
    conn: psycopg.Connection[Any], key: str, run: Callable[[], list[Finding]]
) -> list[Finding]:
    """A check's findings, or one yellow finding saying why it could not run."""
    import psycopg

    try:
        with conn.transaction():
            conn.execute("SET LOCAL statement_timeout = '30s'")
            conn.execute("SET LOCAL lock_timeout = '2s'")
            return run()
    except psycopg.Error as exc:
        return [
            Finding(
                key,
                YELLOW,
                f"{key.replace('_', ' ')}: not checked",
                f"the check failed: {first_line(exc)}",
                "run cmmsdb health as a superuser or a member of pg_monitor",
            )
        ]


def _rows(conn: psycopg.Connection[Any], text: str, **params: Any) -> list[dict[str, Any]]:
    cursor = conn.execute(text, params)
    names = [d.name for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def _size(count: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if abs(count) < 1024:
            return f"{count:.0f} {unit}"
        count /= 1024
    return f"{count:.1f} TB"


# --- the checks ------------------------------------------------------------------------


def _statements(conn: psycopg.Connection[Any], limits: Thresholds) -> list[Finding]:
    state = _rows(conn, query("health_statements_extension.sql"))[0]
    enable = (
        "add pg_stat_statements to shared_preload_libraries (postgresql.conf or ALTER SYSTEM), "
        "restart the server, then CREATE EXTENSION pg_stat_statements in this database "
        "(or `cmmsdb migrate --with pg_stat_statements`)"
    )
    if not state["available"]:
        return [
            Finding(
                "statements",
                YELLOW,
                "top statements: pg_stat_statements unavailable",
                "the server has no pg_stat_statements extension (it ships with PostgreSQL's "
                "contrib package)",
                "install the contrib package, then " + enable,
            )
        ]
    if state["schema"] is None or not state["preloaded"]:
        missing = [
            *(["not in shared_preload_libraries"] if not state["preloaded"] else []),
            *(["not created in this database"] if state["schema"] is None else []),
        ]
        return [
            Finding(
                "statements",
                YELLOW,
                "top statements: pg_stat_statements not enabled",
                "pg_stat_statements is " + " and ".join(missing),
                enable,
            )
        ]
    conn.execute("SELECT set_config('search_path', %s, true)", [state["schema"]])
    found: list[Finding] = []
    for label, min_calls in (("total", 1), ("mean", 10)):
        rows = _rows(
            conn,
            query("health_statements_top.sql"),
            order=label,
            limit=limits.top_statements,
            min_calls=min_calls,
        )
        for row in rows:
            row["queryid"] = str(row["queryid"])
            for key in ("total_ms", "mean_ms", "max_ms", "hit_percent"):
                row[key] = None if row[key] is None else float(row[key])
        slow = [r for r in rows if label == "mean" and r["mean_ms"] > limits.slow_mean_ms]
        top = rows[0] if rows else None
        detail = (
            f"{len(rows)} statements; the first: {top['calls']} calls, "
            f"{top['total_ms']:.0f} ms in all, {top['mean_ms']:.1f} ms each"
            if top
            else "no statement recorded yet"
        )
        found.append(
            Finding(
                f"statements_by_{label}",
                YELLOW if slow else GREEN,
                f"top statements by {label} time",
                detail + (f"; {len(slow)} average over {limits.slow_mean_ms:g} ms" if slow else ""),
                "EXPLAIN (ANALYZE, BUFFERS) the slow ones; set log_min_duration_statement to "
                "catch their parameters"
                if slow
                else None,
                rows,
            )
        )
    return found


def _cache(conn: psycopg.Connection[Any], limits: Thresholds) -> list[Finding]:
    row = _rows(conn, query("health_cache.sql"))[0]
    touched = int(row["blks_hit"]) + int(row["blks_read"])
    ratio = row["blks_hit"] / touched if touched else 1.0
    data = [{"ratio": round(ratio, 4), "hits": row["blks_hit"], "reads": row["blks_read"]}]
    detail = f"{ratio:.2%} of {touched} block reads came from shared buffers"
    if touched < limits.cache_min_blocks:
        return [
            Finding("cache_hit_ratio", GREEN, "cache hit ratio", detail + " (too few to judge)")
        ]
    severity = (
        GREEN
        if ratio >= limits.cache_hit_yellow
        else YELLOW
        if ratio >= limits.cache_hit_red
        else RED
    )
    advice = (
        None
        if severity == GREEN
        else "the working set does not fit shared_buffers: raise shared_buffers (about a "
        "quarter of RAM), add RAM, or find the statements reading the most blocks"
    )
    return [Finding("cache_hit_ratio", severity, "cache hit ratio", detail, advice, data)]


def _invalid_indexes(conn: psycopg.Connection[Any], limits: Thresholds) -> list[Finding]:
    rows = _rows(conn, query("health_invalid_indexes.sql"))
    if not rows:
        return [Finding("invalid_indexes", GREEN, "invalid indexes", "none")]
    names = ", ".join(r["index"] for r in rows[:5])
    return [
        Finding(
            "invalid_indexes",
            RED,
            "invalid indexes",
            f"{len(rows)} invalid (a failed CREATE INDEX CONCURRENTLY): {names}",
            "DROP INDEX CONCURRENTLY each and build it again (a migration's rerun does); until "
            "then queries ignore it, writes still pay for it and a unique one enforces nothing",
            rows,
        )
    ]


def _unused_indexes(conn: psycopg.Connection[Any], limits: Thresholds) -> list[Finding]:
    rows = _rows(conn, query("health_unused_indexes.sql"), min_bytes=limits.unused_index_bytes)
    if not rows:
        return [Finding("unused_indexes", GREEN, "unused indexes", "none")]
    total = sum(r["bytes"] for r in rows)
    return [
        Finding(
            "unused_indexes",
            YELLOW,
            "unused indexes",
            f"{len(rows)} indexes ({_size(total)}) not scanned since statistics were reset",
            "check the standbys too (their scans are not counted here) and a full business "
            "cycle of statistics, then drop the index in a migration",
            rows,
        )
    ]


def _bloat(conn: psycopg.Connection[Any], limits: Thresholds) -> list[Finding]:
    rows = _rows(conn, query("health_bloat.sql"), limit=limits.bloat_tables)
    for row in rows:
        wasted = row["wasted_bytes"]
        row["wasted_ratio"] = round(wasted / row["bytes"], 3) if wasted is not None else None
    bloated = [
        r
        for r in rows
        if r["wasted_ratio"] is not None
        and r["wasted_ratio"] > limits.bloat_ratio
        and r["bytes"] >= limits.bloat_min_bytes
    ]
    if bloated:
        detail = ", ".join(f"{r['table_name']} {r['wasted_ratio']:.0%}" for r in bloated[:5])
        return [
            Finding(
                "bloat",
                YELLOW,
                "table bloat (estimate)",
                f"{len(bloated)} large tables mostly empty space: {detail}",
                "VACUUM (VERBOSE) them and check autovacuum keeps up; to give the space back, "
                "pg_repack (no long lock) or VACUUM FULL in a maintenance window",
                rows,
            )
        ]
    detail = (
        f"{len(rows)} largest tables checked (largest: {rows[0]['table_name']}); none over "
        f"{limits.bloat_ratio:.0%} empty space"
        if rows
        else "no table"
    )
    return [
        Finding(
            "bloat",
            GREEN,
            "table bloat (estimate)",
            detail,
            None,
            rows,
        )
    ]


def _sessions(conn: psycopg.Connection[Any], limits: Thresholds) -> list[Finding]:
    shortest = min(limits.active_yellow, limits.idle_in_transaction_yellow)
    rows = _rows(conn, query("health_sessions.sql"), min_seconds=shortest)
    found = []
    for kind, states, yellow, red, advice in (
        (
            "long_running",
            ("active",),
            limits.active_yellow,
            limits.active_red,
            "look at the statement (EXPLAIN it); pg_cancel_backend(pid) cancels it; set "
            "statement_timeout for the application's logins",
        ),
        (
            "idle_in_transaction",
            ("idle in transaction", "idle in transaction (aborted)"),
            limits.idle_in_transaction_yellow,
            limits.idle_in_transaction_red,
            "the application holds a transaction open while doing something else: its locks "
            "block DDL and partition maintenance, its snapshot holds back vacuum. "
            "pg_terminate_backend(pid) ends it; set idle_in_transaction_session_timeout",
        ),
    ):
        mine = [r for r in rows if r["state"] in states and r["state_seconds"] >= yellow]
        for row in mine:
            row["state_seconds"] = round(row["state_seconds"], 1)
            tx = row["transaction_seconds"]
            row["transaction_seconds"] = None if tx is None else round(tx, 1)
        title = kind.replace("_", " ") + " sessions"
        if not mine:
            found.append(Finding(kind, GREEN, title, f"none for {yellow:g} s or longer"))
            continue
        severity = RED if any(r["state_seconds"] >= red for r in mine) else YELLOW
        longest = mine[0]
        found.append(
            Finding(
                kind,
                severity,
                title,
                f"{len(mine)} for {yellow:g} s or longer; the longest: pid {longest['pid']} "
                f"({longest['usename']} on {longest['datname']}), {longest['state_seconds']:g} s",
                advice,
                mine,
            )
        )
    return found


def _replication(conn: psycopg.Connection[Any], limits: Thresholds) -> list[Finding]:
    standby = _rows(conn, query("health_standby.sql"))[0]
    if standby["in_recovery"]:
        delay = standby["replay_delay_seconds"]
        severity = GREEN
        if delay is not None:
            if delay >= limits.lag_red_seconds:
                severity = RED
            elif delay >= limits.lag_yellow_seconds:
                severity = YELLOW
        return [
            Finding(
                "replication",
                severity,
                "replication (this server is a standby)",
                "nothing replayed yet"
                if delay is None
                else f"last replayed commit is {delay:.0f} s old (also when the primary is idle)",
                None if severity == GREEN else "check the primary's WAL sender and the network",
                [{"replay_delay_seconds": delay}],
            )
        ]
    rows = _rows(conn, query("health_replication.sql"))
    slots = _rows(conn, query("health_replication_slots.sql"))
    found = []
    lagging = [r for r in rows if (r["lag_seconds"] or 0) >= limits.lag_yellow_seconds]
    severity = (
        RED
        if any((r["lag_seconds"] or 0) >= limits.lag_red_seconds for r in rows)
        else YELLOW
        if lagging
        else GREEN
    )
    worst = max((r["lag_bytes"] or 0 for r in rows), default=0)
    found.append(
        Finding(
            "replication_lag",
            severity,
            "replication lag of standbys",
            f"{len(rows)} standbys streaming; the furthest behind by {_size(worst)}"
            if rows
            else "no standby streams from this server",
            None
            if severity == GREEN
            else "a standby that falls behind is not a recovery option: check its disk and "
            "network, and hot_standby_feedback conflicts",
            rows,
        )
    )
    if slots:
        heavy = any(s["retained_bytes"] >= limits.slot_red_bytes for s in slots)
        found.append(
            Finding(
                "replication_slots",
                RED if heavy else YELLOW,
                "inactive replication slots",
                f"{len(slots)} slots unused, retaining "
                f"{_size(sum(s['retained_bytes'] or 0 for s in slots))} of WAL",
                "reconnect the consumer or pg_drop_replication_slot(name): an unused slot "
                "keeps WAL until the disk fills",
                slots,
            )
        )
    return found


def _connections(conn: psycopg.Connection[Any], limits: Thresholds) -> list[Finding]:
    row = _rows(conn, query("health_connections.sql"))[0]
    used, available = int(row["used"]), int(row["available"])
    share = used / available if available else 1.0
    severity = (
        RED
        if share >= limits.connections_red
        else YELLOW
        if share >= limits.connections_yellow
        else GREEN
    )
    return [
        Finding(
            "connections",
            severity,
            "connections",
            f"{used} of {available} client connections in use ({share:.0%}; "
            f"max_connections {row['max_connections']})",
            None
            if severity == GREEN
            else "put PgBouncer in transaction mode in front of the application (the tenant "
            "context is transaction-local, so it is safe) rather than raising max_connections",
            [{"used": used, "available": available, "by_state": row["by_state"]}],
        )
    ]


_TIMEOUTS = ("lock_timeout", "idle_in_transaction_session_timeout", "statement_timeout")


def _settings(conn: psycopg.Connection[Any], limits: Thresholds) -> list[Finding]:
    values = {r["name"]: r for r in _rows(conn, query("health_settings.sql"))}
    found = []

    def setting(name: str, good: bool, severity: str, detail: str, advice: str) -> None:
        found.append(
            Finding(
                f"setting_{name}",
                GREEN if good else severity,
                name,
                detail,
                None if good else advice,
                [{"name": name, "value": values[name]["value"]}],
            )
        )

    logged = values["log_min_duration_statement"]
    setting(
        "log_min_duration_statement",
        logged["setting"] != "-1",
        YELLOW,
        f"slow statements logged: {logged['value']}"
        if logged["setting"] != "-1"
        else "slow statements are not logged (-1)",
        "ALTER SYSTEM SET log_min_duration_statement = '500ms'; SELECT pg_reload_conf(); "
        "(the seed's target is p95 under 100 ms)",
    )
    waits = values["log_lock_waits"]
    setting(
        "log_lock_waits",
        waits["setting"] == "on",
        YELLOW,
        f"log_lock_waits is {waits['setting']}",
        "ALTER SYSTEM SET log_lock_waits = on: a wait longer than deadlock_timeout is logged "
        "with who blocks it (migrations and partition maintenance wait for locks)",
    )
    vacuum = values["autovacuum"]
    setting(
        "autovacuum",
        vacuum["setting"] == "on",
        RED,
        f"autovacuum is {vacuum['setting']}",
        "ALTER SYSTEM SET autovacuum = on: without it tables bloat and transaction ids wrap around",
    )
    found.append(_app_timeouts(conn, values))
    return found


def _app_timeouts(conn: psycopg.Connection[Any], values: dict[str, dict[str, Any]]) -> Finding:
    """Whether each login of cmms_app gets lock_timeout, idle_in_transaction_session_timeout
    and statement_timeout, from its role, the database or the server."""
    logins = _rows(conn, query("health_app_logins.sql"))
    server = {name: values[name]["setting"] for name in _TIMEOUTS}
    rows = []
    for login in logins:
        own: dict[str, str] = {}
        for item in login["settings"]:
            key, _, value = item.partition("=")
            own.setdefault(key, value)
        effective = {n: own.get(n, server[n]) for n in _TIMEOUTS}
        missing = [n for n, value in effective.items() if value in ("0", "")]
        rows.append({"login": login["login"], "settings": effective, "missing": missing})
    gaps = [r for r in rows if r["missing"]]
    if not logins:
        missing = [n for n in _TIMEOUTS if server[n] == "0"]
        detail = "no login is a member of cmms_app yet" + (
            f"; the server sets none of {', '.join(missing)}" if missing else ""
        )
        return Finding("app_timeouts", GREEN, "timeouts of the application's logins", detail)
    example = gaps[0]["login"] if gaps else ""
    return Finding(
        "app_timeouts",
        YELLOW if gaps else GREEN,
        "timeouts of the application's logins",
        f"{len(gaps)} of {len(rows)} cmms_app logins lack "
        f"{', '.join(sorted({m for g in gaps for m in g['missing']}))}"
        if gaps
        else f"{len(rows)} cmms_app logins have all of {', '.join(_TIMEOUTS)}",
        f"ALTER ROLE {example} SET lock_timeout = '5s'; ALTER ROLE {example} SET "
        f"idle_in_transaction_session_timeout = '60s'; ALTER ROLE {example} SET "
        "statement_timeout = '30s' (each login: settings on cmms_app are not inherited)"
        if gaps
        else None,
        rows,
    )


_CHECKS: list[tuple[str, Check]] = [
    ("statements", _statements),
    ("cache_hit_ratio", _cache),
    ("invalid_indexes", _invalid_indexes),
    ("unused_indexes", _unused_indexes),
    ("bloat", _bloat),
    ("sessions", _sessions),
    ("replication", _replication),
    ("connections", _connections),
    ("settings", _settings),
]


def _partitions(
    target: Target, limits: Thresholds, now: datetime, connect_timeout: float
) -> list[Finding]:
    """The months from now to `partition_months_ahead` on, each covered by a partition of
    every maintained table (red: this month or the next is missing), and default partitions
    without rows (yellow: `cmmsdb partitions maintain` moves them)."""
    try:
        listed = partitions.list_partitioned(target, connect_timeout=connect_timeout)
    except CmmsdbError as exc:
        return [Finding("partitions", YELLOW, "partitions: not checked", exc.message, exc.hint)]
    today = now.astimezone(UTC).date()
    months = [partitions.month_start(today, i) for i in range(limits.partition_months_ahead + 1)]
    missing: list[dict[str, Any]] = []
    for table in listed.tables:
        if table.maintained:
            for month in months:
                if not partitions.covers(table.partitions, month):
                    missing.append({"table": table.name, "month": month.isoformat()})
    soon = {m.isoformat() for m in months[:2]}
    severity = RED if any(m["month"] in soon for m in missing) else YELLOW if missing else GREEN
    maintained = sum(t.maintained for t in listed.tables)
    first = ", ".join(f"{m['table']} {m['month'][:7]}" for m in missing[:4])
    found = [
        Finding(
            "partitions_ahead",
            severity,
            "partitions of the coming months",
            f"{len(missing)} monthly partitions missing: {first}"
            if missing
            else f"{maintained} monthly tables have partitions up to {_month_label(months[-1])}"
            if maintained
            else "no table is partitioned by month",
            None
            if not missing
            else "run `cmmsdb partitions maintain` now, and from cron every day: rows of a "
            "month without its partition go to the default partition",
            missing,
        )
    ]
    stuck = listed.default_rows
    found.append(
        Finding(
            "default_partition_rows",
            YELLOW if stuck else GREEN,
            "rows in default partitions",
            ", ".join(f"{d.partition}: {d.rows} rows" for d in stuck)
            if stuck
            else "no default partition holds rows",
            "run `cmmsdb partitions maintain`: it creates their months' partitions and moves "
            "the rows there (one transaction, a short exclusive lock on the default partition)"
            if stuck
            else None,
            [vars(d) for d in stuck],
        )
    )
    return found


def _month_label(month: date) -> str:
    return f"{month:%Y-%m}"
