"""500 concurrent application clients through PgBouncer in transaction pooling: pgbench
runs the application's typical tenant transactions as a cmms_app login, each starting with
cmms.set_context, against a seeded database, with 50 and with 500 clients.

    python bench/pgbouncer_load.py [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
        [--profile load] [--tenants 10] [--runs 50,500,500@250] [--duration 30]
        [--pool-size 20]

Each run is a number of clients, as fast as they can (no think time: a closed loop that
measures the server's capacity), or C@R: C clients sending R transactions per second in
all (pgbench --rate: users with think time; latency then counts from the scheduled start,
so a queue shows).

The transactions (bench/pgbench/*.sql, weights in SCRIPTS): the open work orders list, a
work order's detail, a full-text search, and a write (create a work order, start it,
consume a part). PgBouncer runs with examples/pgbouncer/pgbouncer.ini (its [databases]
entry, port, paths and pool size replaced). pgbench runs in extended query mode (PgBouncer
1.18 pools no prepared statements), 2 threads, and logs every transaction: the script
prints TPS, p50/p95/p99 latency per transaction type, and pgbench's average latency per
statement (what dominates). Latency is measured by pgbench, so it includes the wait for a
server connection in PgBouncer's queue. The seed's target: p95 under 100 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pgbench import latencies, percentile, prepare, start_pgbouncer, stop_pgbouncer
from _server import client_tools, server_dsn

HERE = Path(__file__).resolve().parent
SCRIPTS = {  # file in bench/pgbench: weight
    "open_work_orders.sql": 40,
    "work_order_detail.sql": 30,
    "search.sql": 15,
    "create_and_consume.sql": 15,
}


def run_pgbench(
    pgbench: Path,
    port: int,
    login: str,
    password: str,
    run: str,
    args: argparse.Namespace,
    tenants: int,
    folder: Path,
) -> None:
    clients, _, rate = run.partition("@")
    logs = folder / f"run{len(list(folder.glob('run*')))}"
    logs.mkdir()
    command = [str(pgbench), "-n", "-M", "extended", "-c", clients, "-j", "2"]
    command += ["-R", rate] if rate else []
    command += ["-T", str(args.duration), "-r", "-l", f"--log-prefix={logs / 'tx'}"]
    command += ["-D", f"tenants={tenants}", "-h", "127.0.0.1", "-p", str(port), "-U", login]
    for name, weight in SCRIPTS.items():
        command += ["-f", f"{HERE / 'pgbench' / name}@{weight}"]
    command.append("cmms")
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "PGPASSWORD": password}
    )
    if done.returncode:
        raise SystemExit(f"pgbench failed ({done.returncode}): {done.stderr[-3000:]}")
    report(done.stdout, logs, run)


def report(output: str, logs: Path, run: str) -> None:
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    failed = re.search(r"number of failed transactions: (\d+)", output)
    clients, _, rate = run.partition("@")
    offered = f" offered {rate} TPS," if rate else " no think time,"
    print(f"\n{clients} clients,{offered} {float(tps.group(1)) if tps else 0:,.0f} TPS", end="")
    print(f", {failed.group(1) if failed else 0} failed transactions")
    found = latencies(logs)
    names = list(SCRIPTS)
    everything = sorted(x for values in found.values() for x in values)
    print(f"  {'transaction':<24} {'count':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for number, values in sorted(found.items()):
        print(_percentiles(names[number].removesuffix(".sql"), sorted(values)))
    print(_percentiles("all", everything))
    print("  average latency per statement (ms), from pgbench -r:")
    for line in output.splitlines():
        match = re.match(r"^\s+([\d.]+)\s+(?:\d+\s+)?(\S.*)$", line)
        if line.startswith("SQL script"):
            print("   ", line.split(":")[1].strip().split("/")[-1])
        elif match and not line.strip().startswith("-"):
            print(f"    {float(match.group(1)):8.2f}  {match.group(2)[:70]}")


def _percentiles(label: str, values: list[float]) -> str:
    if not values:
        return f"  {label:<24} {0:>8}"
    p50, p95, p99 = (percentile(values, share) for share in (0.5, 0.95, 0.99))
    return f"  {label:<24} {len(values):>8} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn")
    parser.add_argument("--profile", default="load")
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--runs", default="50,500,500@250")
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--pool-size", type=int, default=20)
    args = parser.parse_args()

    server = server_dsn(args.dsn)
    seeded = prepare(server, args.tenants, args.profile)
    login, password = seeded.login, seeded.password
    tools, version = client_tools(seeded.database)
    print(f"PostgreSQL {version}, {os.cpu_count()} CPUs; PgBouncer pool of {args.pool_size}")
    folder = Path(tempfile.mkdtemp(prefix="cmmsdb-pgbouncer-bench-"))
    folder.chmod(0o755)
    process, port = start_pgbouncer(seeded.database, {login: password}, args.pool_size, folder)
    try:
        for run in args.runs.split(","):
            run_pgbench(tools / "pgbench", port, login, password, run, args, seeded.tenants, folder)
    finally:
        stop_pgbouncer(process, folder)


if __name__ == "__main__":
    main()
