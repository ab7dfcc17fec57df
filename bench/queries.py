"""The application's queries on seeded data (issue 5): for the tenant with the most work
orders, each query's plan (is any large table read by a sequential scan?) and its times as
a login role in cmms_app under row-level security, against the same query run by the
superuser with an explicit organization_id filter (no row-level security).

    python bench/queries.py [--dsn postgresql://...] [--tenants 20] [--profile load]
                            [--runs 200]

A fresh database is migrated, seeded (`cmmsdb seed`, seed 42) and VACUUM (ANALYZE)d, the
state autovacuum keeps a live database in: besides statistics, the vacuum flushes the GIN
pending lists that the seed's COPY fills, with which the planner costs the full-text
indexes far too high (and autovacuum would flush them at some moment of the benchmark).

The queries are the .sql files in bench/queries/: <name>.sql runs as the app role, the
tenant set by `cmms.set_context(org, user)` in the same transaction; the superuser runs the
same file with its lines marked `-- superuser only` (the tenant filter written out), which
the app role's version leaves out. Where the application goes through a stored function
(full-text search and assets within a radius: cmms.search_work_orders and
cmms.assets_within, because under RLS @@ and earthdistance cannot use their indexes), the
app role runs <name>.app.sql, the call, and the superuser the function's query with the
tenant filter written out; the plan of a function call shows only the call (its inner
plan's use of the GIN index is proved in tests/test_api_search.py). Parameters are drawn
from the tenant's own rows (a work order with a checklist, a word of a work order title, a
point within about a kilometre of one of its assets); set-up queries are in
bench/queries/setup/.

Plan: the statement is prepared and run 6 times (after 5 custom plans PostgreSQL may
switch to a generic one), then EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE as the app role; a
Seq Scan node on a table or partition of more than 10,000 rows (planner estimate) is named,
"(not run)" when it was not executed for this tenant (another tenant's partition would be).

Times: each run is one transaction sent in one round trip (pipelined): BEGIN, set_context
(app role only), the prepared query, COMMIT; app role and superuser alternate. p50 and p95
in ms; ratio = p95 app role / p95 superuser (target 1.10 or less).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
from _server import app_login, fresh_database, server_dsn
from _timing import ms
from psycopg import sql

import cmmsdb
from cmmsdb.seeding import BASE_TIME, seed
from cmmsdb.target import resolve

SQL_DIR = Path(__file__).resolve().parent / "queries"
LARGE = 10_000  # rows: a sequential scan of a larger table or partition is reported
TARGET = 1.10
RADIUS_M = 5_000.0
SUPERUSER_ONLY = "-- superuser only"

Conn = psycopg.Connection[Any]
Params = dict[str, Any]


@cache  # read once: the timed runs do no file I/O
def read_sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text()


@dataclass(frozen=True)
class Tenant:
    org: uuid.UUID
    name: str
    partition: str
    work_orders: int
    user_id: uuid.UUID
    work_order_ids: list[uuid.UUID]
    words: list[str]
    points: list[list[float]]


@dataclass(frozen=True)
class Query:
    label: str
    file: str  # bench/queries/<file>.sql
    params: Callable[[Tenant, random.Random], Params]
    app_file: str | None = None  # what the app runs instead (a stored function), if anything

    def text(self, superuser: bool) -> str:
        """The query; the app role's leaves out the tenant filter, which RLS applies."""
        text = read_sql(self.file)
        if superuser:
            return text
        if self.app_file:
            return read_sql(self.app_file)
        return "\n".join(line for line in text.splitlines() if not line.endswith(SUPERUSER_ONLY))


def near(tenant: Tenant, rng: random.Random) -> Params:
    """A point within about a kilometre of one of the tenant's assets."""
    lat, lon = rng.choice(tenant.points)
    return {
        "lat": lat + rng.uniform(-0.01, 0.01),
        "lon": lon + rng.uniform(-0.01, 0.01),
        "radius": RADIUS_M,
    }


QUERIES = [
    Query("a open by priority", "open_by_priority", lambda t, rng: {}),
    Query(
        "b work order detail",
        "work_order_detail",
        lambda t, rng: {"work_order": rng.choice(t.work_order_ids)},
    ),
    Query(
        "c search",
        "search_work_orders",
        lambda t, rng: {"words": rng.choice(t.words)},
        app_file="search_work_orders.app",
    ),
    Query("d assets within 5 km", "assets_nearby", near, app_file="assets_nearby.app"),
    Query("e parts to reorder", "parts_to_reorder", lambda t, rng: {}),
    Query("f dashboard", "dashboard", lambda t, rng: {"now": BASE_TIME}),
]


# --- set-up --------------------------------------------------------------------------------


def connect(dsn: str, ext_schema: str) -> Conn:
    """A connection whose search path finds earthdistance's functions and operators."""
    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute(sql.SQL("SET search_path = {}, public").format(sql.Identifier(ext_schema)))
    return conn


# --- running a query -----------------------------------------------------------------------


def run(conn: Conn, tenant: Tenant, query: Query, superuser: bool, params: Params) -> Any:
    """One transaction in one round trip; returns the rows."""
    with conn.pipeline():
        conn.execute("BEGIN")
        if not superuser:
            conn.execute(
                "SELECT cmms.set_context(%s, %s)", [tenant.org, tenant.user_id], prepare=True
            )
        cur = conn.execute(query.text(superuser), {"org": tenant.org, **params}, prepare=True)
        conn.execute("COMMIT")
    return cur.fetchall()


def measure(
    app: Conn, owner: Conn, tenant: Tenant, query: Query, runs: int, seed_value: int
) -> tuple[list[float], list[float]]:
    rng = random.Random(seed_value)
    times: dict[bool, list[float]] = {False: [], True: []}
    for i in range(runs):
        params = query.params(tenant, rng)
        sides = [(False, app), (True, owner)]
        for superuser, conn in sides if i % 2 else reversed(sides):
            started = time.perf_counter()
            run(conn, tenant, query, superuser, params)
            times[superuser].append(time.perf_counter() - started)
    return times[False], times[True]


def check_same_rows(app: Conn, owner: Conn, tenant: Tenant, query: Query) -> int:
    """Both sides return the same rows for a few parameter sets; the rows of the first."""
    rng = random.Random(7)
    counts = []
    for _ in range(3):
        params = query.params(tenant, rng)
        a = run(app, tenant, query, False, params)
        b = run(owner, tenant, query, True, params)
        assert sorted(map(repr, a)) == sorted(map(repr, b)), (query.label, params, a, b)
        counts.append(len(a))
    return counts[0]


# --- plans ---------------------------------------------------------------------------------


def positional(text: str) -> tuple[str, list[str]]:
    """`%(name)s` placeholders as $1, $2... (one per name) and the names in that order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    return re.sub(r"%\((\w+)\)s", number, text), names


def explain(conn: Conn, tenant: Tenant, query: Query, superuser: bool) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, FORMAT JSON) of the prepared statement once warm (see docstring)."""
    text, names = positional(query.text(superuser))
    params = {"org": tenant.org, **query.params(tenant, random.Random(4))}
    args = sql.SQL(", ").join(sql.Literal(params[name]) for name in names)
    execute = sql.SQL("EXECUTE bench_plan") + (
        sql.SQL("({})").format(args) if names else sql.SQL("")
    )
    with conn.transaction():
        if not superuser:
            conn.execute("SELECT cmms.set_context(%s, %s)", [tenant.org, tenant.user_id])
        conn.execute(f"PREPARE bench_plan AS {text}")
        for _ in range(6):
            conn.execute(execute).fetchall()
        row = conn.execute(sql.SQL("EXPLAIN (ANALYZE, FORMAT JSON) ") + execute).fetchone()
        conn.execute("DEALLOCATE bench_plan")
    assert row is not None
    document = row[0]
    return dict(document[0]["Plan"])


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def large_seq_scans(plan: dict[str, Any], rows: dict[str, int]) -> list[str]:
    found = []
    for node in nodes(plan):
        name = node.get("Relation Name", "")
        if node["Node Type"] == "Seq Scan" and rows.get(name, 0) > LARGE:
            ran = "" if node.get("Actual Loops", 0) else " (not run)"
            found.append(f"{name}{ran}")
    return sorted(set(found))


def scans(plan: dict[str, Any]) -> list[str]:
    """The scans that ran: 'Index Scan work_orders_p7_pkey', 'Seq Scan assets'..."""
    found = []
    for node in nodes(plan):
        if "Relation Name" in node or "Index Name" in node:
            if not node.get("Actual Loops", 0):
                continue
            found.append(f"{node['Node Type']} {node.get('Index Name') or node['Relation Name']}")
    return list(dict.fromkeys(found))


# --- report --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn")
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--profile", default="load")
    parser.add_argument("--runs", type=int, default=200, help="timed runs per query and side")
    args = parser.parse_args()

    server = server_dsn(args.dsn)
    database = fresh_database(server)
    cmmsdb.migrate(database)
    report = seed(resolve(database), profile=args.profile, tenants=args.tenants)
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        row = conn.execute(read_sql("setup/tenant")).fetchone()
        assert row is not None, "no work orders were seeded"
        tenant = Tenant(*row)
        ext = conn.execute(read_sql("setup/earthdistance_schema")).fetchone()
        assert ext is not None, "earthdistance is not installed"
        rows: dict[str, int] = dict(conn.execute(read_sql("setup/relation_rows")).fetchall())
        version = conn.execute("SHOW server_version").fetchone()
    app_dsn = app_login(server, database)

    print(
        f"Application queries on seeded data: profile {args.profile}, {args.tenants} tenants,"
        f" {report.total_rows:,} rows (seeded in {report.seconds:.1f} s),"
        f" {rows.get('work_orders', 0):,} work orders; PostgreSQL {version[0] if version else '?'}"
    )
    print(
        f"tenant: {tenant.name} ({tenant.org}), the most work orders: {tenant.work_orders:,}"
        f" in {tenant.partition} ({rows.get(tenant.partition.split('.')[-1], 0):,} rows)"
    )
    print(
        "app role: a login role in cmms_app, cmms.set_context(org, user) in each transaction;"
        " superuser: the --dsn role, explicit organization_id filter, no row-level security"
    )
    print(f"search_path = {ext[0]}, public (earthdistance); queries in {SQL_DIR}")
    print()

    results = []
    with connect(app_dsn, ext[0]) as app, connect(database, ext[0]) as owner:
        for query in QUERIES:
            returned = check_same_rows(app, owner, tenant, query)
            app_plan = explain(app, tenant, query, superuser=False)
            owner_plan = explain(owner, tenant, query, superuser=True)
            print(f"{query.label} ({query.file}.sql, {returned} rows)")
            print(f"  app role:  {'; '.join(scans(app_plan))}")
            print(f"  superuser: {'; '.join(scans(owner_plan))}")
            measure(app, owner, tenant, query, max(10, args.runs // 10), 1)  # warm up
            app_times, owner_times = measure(app, owner, tenant, query, args.runs, 2)
            results.append((query, large_seq_scans(app_plan, rows), app_times, owner_times))
    print()

    header = (
        f"{'query':<22} {'seq scans > 10k rows':<28} {'p50':>7} {'p95':>7}"
        f" {'p50 su':>7} {'p95 su':>7} {'ratio':>6}"
    )
    print(f"times in ms, {args.runs} runs per query and side; ratio = p95 app / p95 superuser")
    print(header)
    print("-" * len(header))
    over, seq = [], []
    for query, seq_scans, app_times, owner_times in results:
        (a50, a95), (s50, s95) = ms(app_times), ms(owner_times)
        ratio = a95 / s95
        if ratio > TARGET:
            over.append(f"{query.label} {ratio:.2f}")
        if seq_scans:
            seq.append(f"{query.label}: {', '.join(seq_scans)}")
        print(
            f"{query.label:<22} {', '.join(seq_scans) or 'none':<28} {a50:7.2f} {a95:7.2f}"
            f" {s50:7.2f} {s95:7.2f} {ratio:6.2f}"
        )
    print("-" * len(header))
    print(
        f"sequential scans of tables over {LARGE:,} rows in the app role's plans: "
        + ("; ".join(seq) if seq else "none")
    )
    print(
        f"RLS overhead (p95 ratio, target {TARGET:.2f}): "
        + (f"over on {'; '.join(over)}" if over else "all within")
    )


if __name__ == "__main__":
    main()
