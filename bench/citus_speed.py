"""The tenant queries and the seed on a Citus cluster (a coordinator and two workers) next
to a single server, with the same data (issue 20).

    python bench/citus_speed.py [--tenants 10] [--profile demo] [--runs 100]

Both run on this machine, with the same PostgreSQL 15 binaries, started for the run: the
single server a local server (cmmsdb.local), the cluster a coordinator and two workers
(cmmsdb.citus_cluster, citus.shard_count 4; Citus built by .ci/citus-build). The single
server is migrated, the cluster migrated `--with citus`; both are seeded with the same
profile, tenants and seed (42), and `seed rows/s` is each seed's own rate. Then, for the
tenant with the most work orders, each query of bench/queries runs as the application
should send it to a cluster: a login role in cmms_app, `cmms.set_context(org, user)` and
the query with its tenant filter written out (or the stored function the app calls) in one
transaction, under row-level security; p50 and p95 over --runs runs, alternating the two
servers. (Left to row-level security alone, a tenant filter is `organization_id =
cmms.current_org_id()`, a function Citus does not evaluate to choose a shard: the query
goes to every shard, and PostgreSQL 15 plans some of them not at all on Citus, e.g. work
order detail: "outer joins and pseudoconstant quals".) `tasks` is what Citus plans for the
query with the tenant written out (the superuser form): 1 is a single-shard router plan,
the whole query on one worker.

On one machine the cluster cannot be faster: its three servers share the same cores, and
each query takes an extra hop (coordinator to worker). What the figures show is that hop's
price per tenant query; the gain of a cluster is capacity (tenants spread over machines).
"""

from __future__ import annotations

import argparse
import atexit
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
from _server import app_login
from _timing import ms
from queries import QUERIES, Query, Tenant, connect, read_sql

import cmmsdb
from cmmsdb import citus_cluster, local
from cmmsdb.errors import first_line
from cmmsdb.resources import statements
from cmmsdb.seeding import seed
from cmmsdb.target import resolve


def single_server() -> str:
    """A plain PostgreSQL 15 server (the cluster's binaries, no Citus); its cmmsdb database.
    Nothing waits for the disk, as on the throwaway cluster's nodes: the same settings."""
    base = Path(tempfile.mkdtemp(prefix="cmmsdb-bench-single-"))
    base.chmod(0o755)
    home = base / "home"
    server, _ = local.start(home, pginstall=citus_cluster.PGINSTALL)
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        for statement in statements("citus_cluster_throwaway.sql"):
            conn.execute(statement.encode())
        conn.execute("SELECT pg_catalog.pg_reload_conf()")

    def stop() -> None:
        local.stop(home, pginstall=citus_cluster.PGINSTALL)
        shutil.rmtree(base, ignore_errors=True)

    atexit.register(stop)
    return server.url()


def cluster_server() -> str:
    cluster = citus_cluster.start()
    atexit.register(citus_cluster.stop, cluster)
    return cluster.dsn


def prepare(dsn: str, modules: list[str], args: argparse.Namespace) -> float:
    """Migrate, seed, VACUUM (ANALYZE); the seed's rows per second."""
    cmmsdb.migrate(dsn, modules=modules)
    report = seed(resolve(dsn), profile=args.profile, tenants=args.tenants)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    return report.total_rows / report.seconds


def tenant_of(dsn: str) -> tuple[Tenant, str]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(read_sql("setup/tenant")).fetchone()
        ext = conn.execute(read_sql("setup/earthdistance_schema")).fetchone()
    assert row is not None, "no work orders were seeded"
    assert ext is not None, "earthdistance is not installed"
    return Tenant(*row), ext[0]


def tasks(conn: psycopg.Connection[Any], tenant: Tenant, query: Query, params: Any) -> str:
    """Citus's task counts for the superuser form of `query` (the tenant written out)."""
    plan = conn.execute(
        "EXPLAIN " + query.text(superuser=True), {"org": tenant.org, **params}
    ).fetchall()
    counts = re.findall(r"Task Count: (\d+)", "\n".join(line for (line,) in plan))
    return ",".join(counts) or "local"


def run(conn: psycopg.Connection[Any], tenant: Tenant, query: Query, params: Any) -> Any:
    """As the application sends a tenant query to a cluster: set_context and the query with
    its tenant filter written out (Citus routes on organization_id = a value, not on the
    policy's cmms.current_org_id()), or the stored function the app calls, one round trip."""
    text = read_sql(query.app_file) if query.app_file else query.text(superuser=True)
    with conn.pipeline():
        conn.execute("BEGIN")
        conn.execute("SELECT cmms.set_context(%s, %s)", [tenant.org, tenant.user_id], prepare=True)
        cur = conn.execute(text, {"org": tenant.org, **params}, prepare=True)
        conn.execute("COMMIT")
    return cur.fetchall()


def timings(
    single: psycopg.Connection[Any],
    cluster: psycopg.Connection[Any],
    tenant: Tenant,
    query: Query,
    runs: int,
) -> tuple[list[float], list[float]]:
    import random

    rng = random.Random(2)
    times: dict[int, list[float]] = {0: [], 1: []}
    for i in range(runs):
        params = query.params(tenant, rng)
        sides = [(0, single), (1, cluster)]
        for side, conn in sides if i % 2 else reversed(sides):
            started = time.perf_counter()
            run(conn, tenant, query, params)
            times[side].append(time.perf_counter() - started)
    return times[0], times[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--profile", default="demo")
    parser.add_argument("--runs", type=int, default=100, help="timed runs per query and server")
    args = parser.parse_args()
    if not citus_cluster.citus_installed():
        raise SystemExit("Citus is not installed into PostgreSQL 15: run .ci/citus-build")

    single_dsn, cluster_dsn = single_server(), cluster_server()
    single_rate = prepare(single_dsn, [], args)
    cluster_rate = prepare(cluster_dsn, ["citus"], args)
    tenant, ext = tenant_of(single_dsn)  # (its multi-tenant query is no tenant query)
    with psycopg.connect(cluster_dsn) as conn:
        same = conn.execute(
            "SELECT count(*) FROM cmms.work_orders WHERE organization_id = %s", [tenant.org]
        ).fetchone()
    assert same == (tenant.work_orders,), "the two seeds differ"

    print(
        f"Tenant queries and seed, single server vs Citus (coordinator + 2 workers, 4 shards),"
        f" PostgreSQL 15, one machine; profile {args.profile}, {args.tenants} tenants (seed 42)"
    )
    print(f"seed rows/s: single server {single_rate:,.0f}, cluster {cluster_rate:,.0f}")
    print(f"tenant {tenant.name}: {tenant.work_orders:,} work orders; {args.runs} runs per query")
    print()
    header = (
        f"{'query':<22} {'p50 single':>10} {'p95 single':>10} {'p50 citus':>10}"
        f" {'p95 citus':>10} {'p95 ratio':>9} {'tasks':>6}"
    )
    print("times in ms (app role, set_context + query in one transaction)")
    print(header)
    print("-" * len(header))
    import random

    with (
        connect(app_login(single_dsn, single_dsn), ext) as single,
        connect(app_login(cluster_dsn, cluster_dsn), ext) as cluster,
        connect(cluster_dsn, ext) as owner,
    ):
        for query in QUERIES:
            planned = tasks(owner, tenant, query, query.params(tenant, random.Random(1)))
            try:
                timings(single, cluster, tenant, query, max(5, args.runs // 10))  # warm up
            except psycopg.Error as exc:
                print(f"{query.label:<22} fails on the cluster: {first_line(exc)}")
                for conn in (single, cluster):
                    conn.execute("ROLLBACK")
                continue
            single_times, cluster_times = timings(single, cluster, tenant, query, args.runs)
            (s50, s95), (c50, c95) = ms(single_times), ms(cluster_times)
            print(
                f"{query.label:<22} {s50:10.2f} {s95:10.2f} {c50:10.2f} {c95:10.2f}"
                f" {c95 / s95:9.2f} {planned:>6}"
            )
    print("-" * len(header))


if __name__ == "__main__":
    main()
