"""The application's typical read transaction under row-level security against the same
queries run by a superuser with an explicit tenant filter (issue 19): pgbench, 10, 50 and
100 clients straight to the server and 500 through PgBouncer in transaction pooling.

    python bench/read_speed.py [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
        [--profile load] [--tenants 10] [--clients 10,50,100,500@pgbouncer]
        [--duration 10] [--rounds 3] [--modes superuser,app,app-1rt] [--explain]
        [--database DSN] [--keep]

The transaction (made from bench/queries/: open_by_priority, work_order_detail and
search_work_orders, the tenant, work order and words drawn from public.bench_tenants, see
bench/pgbench/setup.sql), in three modes:

  superuser  BEGIN; the three queries, each with its `-- superuser only` tenant filter
             (organization_id = the tenant's id, read from bench_tenants in an InitPlan; the
             search is the function's query written out); COMMIT. No row-level security.
  app        a cmms_app login: BEGIN; SELECT cmms.set_context(org, user); the three queries
             without tenant filter (the policies add it; the search through
             cmms.search_work_orders); COMMIT. One round trip more than the superuser.
  app-1rt    the same, BEGIN and set_context sent together (a pgbench pipeline): what
             cmmsdb.tenancy.TenantConnection and a psycopg pipeline do (docs/app-teams.md),
             the same number of round trips as the superuser.

Every run lasts --duration seconds; the modes alternate within each round (their order
rotates) and each figure is the median of --rounds runs, so that the ratio survives a noisy
shared machine. pgbench runs in extended query mode (PgBouncer 1.18 pools no prepared
statements), 2 threads, and logs every transaction. Printed per clients and mode: TPS,
latency p50/p95 (ms), and the ratio of per-transaction cost app / superuser (superuser TPS
over app TPS; target 1.2 or less, issue 19 measured 1.57-1.65 before). --explain prints
EXPLAIN (ANALYZE, BUFFERS) of each query as app and as superuser for one tenant, and
pgbench's average latency per statement of the last round.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
from _pgbench import (
    Seeded,
    existing,
    latencies,
    percentile,
    prepare,
    start_pgbouncer,
    stop_pgbouncer,
)
from _server import client_tools, server_dsn
from psycopg.conninfo import conninfo_to_dict

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "queries"
SUPERUSER_ONLY = "-- superuser only"
TARGET = 1.2
LOOKUP = "(SELECT t.{} FROM public.bench_tenants AS t WHERE t.n = :n)"
PARAMETERS = {  # the queries' parameters, as pgbench expressions
    "%(org)s": LOOKUP.format("org"),
    "%(work_order)s": LOOKUP.format("work_orders[1 + :k % cardinality(t.work_orders)]"),
    "%(words)s": LOOKUP.format("words[1 + :w % cardinality(t.words)]"),
}
HEADER = "\\set n random(1, :tenants)\n\\set k random(0, 199)\n\\set w random(0, 49)\n"
CONTEXT = "SELECT cmms.set_context(t.org, t.usr) FROM public.bench_tenants AS t WHERE t.n = :n;"
STEPS = [  # (name, file for the app, file for the superuser)
    ("open_by_priority", "open_by_priority", "open_by_priority"),
    ("work_order_detail", "work_order_detail", "work_order_detail"),
    ("search_work_orders", "search_work_orders.app", "search_work_orders"),
]


def statement(name: str, superuser: bool) -> str:
    """bench/queries/<name>.sql as a pgbench command: the superuser-only lines kept or not,
    parameters replaced by their lookups."""
    lines = (QUERIES / f"{name}.sql").read_text().splitlines()
    kept = [line for line in lines if superuser or SUPERUSER_ONLY not in line]
    text = "\n".join(line for line in kept if not line.lstrip().startswith("--"))
    for parameter, expression in PARAMETERS.items():
        text = text.replace(parameter, expression)
    return text.strip() + ";\n"


def script(mode: str) -> str:
    superuser = mode == "superuser"
    queries = [statement(s if superuser else a, superuser) for _, a, s in STEPS]
    if superuser:
        start = "BEGIN;\n"
    elif mode == "app":
        start = f"BEGIN;\n{CONTEXT}\n"
    else:  # app-1rt
        start = f"\\startpipeline\nBEGIN;\n{CONTEXT}\n\\endpipeline\n"
    return HEADER + start + "".join(queries) + "COMMIT;\n"


@dataclass
class Result:
    tps: float
    p50: float
    p95: float
    statements: list[str]


def run_pgbench(
    pgbench: Path,
    target: dict[str, str],
    clients: int,
    script_file: Path,
    args: argparse.Namespace,
    tenants: int,
    logs: Path,
) -> Result:
    logs.mkdir()
    command = [str(pgbench), "-n", "-M", "extended", "-c", str(clients), "-j", "2"]
    command += ["-T", str(args.duration), "-r", "-l", f"--log-prefix={logs / 'tx'}"]
    command += ["-D", f"tenants={tenants}", "-f", str(script_file)]
    command += ["-h", target["host"], "-p", target["port"], "-U", target["user"], target["dbname"]]
    env = {**os.environ, "PGPASSWORD": target.get("password", "")}
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode:
        raise SystemExit(f"pgbench failed ({done.returncode}): {done.stderr[-3000:]}")
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    found = sorted(x for values in latencies(logs).values() for x in values)
    per_statement = [
        f"{float(m.group(1)):8.2f}  {m.group(2)[:90]}"
        for m in (
            re.match(r"^\s+([\d.]+)\s+(?:\d+\s+)?(\S.*)$", x) for x in done.stdout.splitlines()
        )
        if m and not m.group(2).startswith("\\")
    ]
    return Result(
        float(tps.group(1)) if tps else 0.0,
        percentile(found, 0.5),
        percentile(found, 0.95),
        per_statement,
    )


def targets(seeded: Seeded, server: str, port: int | None) -> dict[str, dict[str, str]]:
    """Connection parameters of each mode: straight to the server, or to PgBouncer's `cmms`."""
    database = conninfo_to_dict(seeded.database)
    superuser = conninfo_to_dict(server)
    direct = {
        "host": str(database.get("host") or "127.0.0.1"),
        "port": str(database.get("port") or 5432),
        "dbname": str(database["dbname"]),
    }
    if port is not None:
        direct.update({"host": "127.0.0.1", "port": str(port), "dbname": "cmms"})
    app = {**direct, "user": seeded.login, "password": seeded.password}
    owner = {**direct, "user": str(superuser.get("user") or "postgres")}
    owner["password"] = str(superuser.get("password") or "superuser")
    return {"superuser": owner, "app": app, "app-1rt": app}


def connection_slots(database: str) -> int:
    """Connections a non-superuser can still open on the server (max_connections less the
    reserved slots and those in use, less 2 for the bench's own)."""
    with psycopg.connect(database) as conn:
        row = conn.execute(
            "SELECT current_setting('max_connections')::int"
            " - current_setting('superuser_reserved_connections')::int"
            " - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
        ).fetchone()
    return (int(row[0]) if row else 0) - 2


def explain(seeded: Seeded) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each query for tenant 1, as the app and as superuser."""
    values = {":n": "1", ":k": "0", ":w": "0"}
    app_dsn = psycopg.conninfo.make_conninfo(
        seeded.database, user=seeded.login, password=seeded.password
    )
    for name, app_file, superuser_file in STEPS:
        for label, dsn, superuser in (
            ("app", app_dsn, False),
            ("superuser", seeded.database, True),
        ):
            text = statement(superuser_file if superuser else app_file, superuser).rstrip(";\n")
            text = re.sub(r":[nkw]\b", lambda m: values[m.group(0)], text)
            with psycopg.connect(dsn) as conn:
                if not superuser:
                    conn.execute(re.sub(r":n\b", "1", CONTEXT))
                for _ in range(3):
                    conn.execute(text).fetchall()
                plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + text).fetchall()
            print(f"-- {name}, {label}")
            print("\n".join("   " + row[0] for row in plan))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn")
    parser.add_argument("--profile", default="load")
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--clients", default="10,50,100,500@pgbouncer")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--modes", default="superuser,app,app-1rt")
    parser.add_argument("--pool-size", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--database", help="a database an earlier --keep run seeded")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    args = parser.parse_args()

    server = server_dsn(args.dsn)
    if args.database:
        seeded = existing(server, args.database)
    else:
        seeded = prepare(server, args.tenants, args.profile, keep=args.keep)
        if args.keep:
            print(f"kept: --database '{seeded.database}'")
    tools, version = client_tools(seeded.database)
    modes = args.modes.split(",")
    print(f"PostgreSQL {version}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f};")
    print(f"{seeded.tenants} tenants; runs of {args.duration} s, median of {args.rounds} rounds")
    if args.explain:
        explain(seeded)
    folder = Path(tempfile.mkdtemp(prefix="cmmsdb-read-bench-"))
    folder.chmod(0o755)
    files = {}
    for mode in modes:
        files[mode] = folder / f"{mode}.sql"
        files[mode].write_text(script(mode))
    print(
        f"\n{'clients':<16} {'mode':<10} {'TPS':>7} {'p50 ms':>8} {'p95 ms':>8} {'cost ratio':>10}"
    )
    for spec in filter(None, args.clients.split(",")):
        clients, _, via = spec.partition("@")
        if not via and int(clients) > (slots := connection_slots(seeded.database)):
            print(f"({clients} clients straight to the server: only {slots} connections free)")
            clients = str(slots)
        bouncer = None
        if via:
            users = {t["user"]: t["password"] for t in targets(seeded, server, 0).values()}
            home = folder / f"pgbouncer-{spec}"
            home.mkdir()
            bouncer = start_pgbouncer(seeded.database, users, args.pool_size, home)
        try:
            connect = targets(seeded, server, bouncer[1] if bouncer else None)
            results: dict[str, list[Result]] = {mode: [] for mode in modes}
            for round_ in range(args.rounds):
                for mode in modes[round_ % len(modes) :] + modes[: round_ % len(modes)]:
                    logs = folder / f"logs-{spec}-{mode}-{round_}"
                    results[mode].append(
                        run_pgbench(
                            tools / "pgbench",
                            connect[mode],
                            int(clients),
                            files[mode],
                            args,
                            seeded.tenants,
                            logs,
                        )
                    )
        finally:
            if bouncer:
                stop_pgbouncer(bouncer[0], home)
        report(spec, results, args.explain)


def report(spec: str, results: dict[str, list[Result]], statements: bool) -> None:
    medians = {
        mode: (
            statistics.median(r.tps for r in runs),
            statistics.median(r.p50 for r in runs),
            statistics.median(r.p95 for r in runs),
        )
        for mode, runs in results.items()
    }
    base = medians.get("superuser", (0.0, 0.0, 0.0))[0]
    for mode, (tps, p50, p95) in medians.items():
        ratio = f"{base / tps:>10.2f}" if base and tps and mode != "superuser" else ""
        print(f"{spec:<16} {mode:<10} {tps:>7.0f} {p50:>8.1f} {p95:>8.1f} {ratio}")
    if statements:
        for mode, runs in results.items():
            print(f"  average latency per statement (ms), {mode}, last round:")
            print("\n".join("    " + line for line in runs[-1].statements))


if __name__ == "__main__":
    main()
