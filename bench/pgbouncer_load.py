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
import configparser
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
from _server import app_login, client_tools, migrated_database, server_dsn
from psycopg.conninfo import conninfo_to_dict

from cmmsdb import local
from cmmsdb.seeding import seed
from cmmsdb.target import resolve

HERE = Path(__file__).resolve().parent
SCRIPTS = {  # file in bench/pgbench: weight
    "open_work_orders.sql": 40,
    "work_order_detail.sql": 30,
    "search.sql": 15,
    "create_and_consume.sql": 15,
}
EXAMPLE = HERE.parent / "examples" / "pgbouncer" / "pgbouncer.ini"


def prepare(server: str, args: argparse.Namespace) -> tuple[str, str, str, int]:
    """A migrated, seeded, analyzed database with the bench_tenants table, a login of
    cmms_app that may read it: (database DSN, login, password, tenants)."""
    database = migrated_database(server)
    started = time.perf_counter()
    seed(resolve(database), tenants=args.tenants, profile=args.profile)
    seconds = time.perf_counter() - started
    print(f"seeded {args.tenants} tenants ({args.profile}) in {seconds:.0f} s")
    login_dsn = app_login(server, database)
    login = conninfo_to_dict(login_dsn)
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute((HERE / "pgbench" / "setup.sql").read_text())
        conn.execute("GRANT SELECT ON public.bench_tenants TO cmms_app")  # dropped with it
        conn.execute("VACUUM (ANALYZE)")
        row = conn.execute("SELECT count(*) FROM public.bench_tenants").fetchone()
    return database, str(login["user"]), str(login["password"]), int(row[0]) if row else 0


def start_pgbouncer(database: str, login: str, password: str, pool_size: int, folder: Path):
    """pgbouncer with the example configuration, as the server's unprivileged account when
    run as root; returns (process, port)."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    target = conninfo_to_dict(database)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    config = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";",))
    config.optionxform = str  # type: ignore[assignment,method-assign]
    config.read(EXAMPLE)
    host = target.get("host") or "127.0.0.1"
    config["databases"] = {
        "cmms": f"host={host} port={target.get('port') or 5432} dbname={target['dbname']}"
    }
    config["pgbouncer"].update(
        {
            "listen_port": str(port),
            "auth_file": str(folder / "userlist.txt"),
            "logfile": str(folder / "pgbouncer.log"),
            "pidfile": str(folder / "pgbouncer.pid"),
            "default_pool_size": str(pool_size),
            "max_db_connections": str(pool_size + 5),
        }
    )
    (folder / "userlist.txt").write_text(f'"{login}" "{password}"\n')
    with (folder / "pgbouncer.ini").open("w") as handle:
        config.write(handle)
    account = local._server_account()
    as_user: dict[str, Any] = {}
    if account is not None:
        for path in folder.iterdir():
            os.chown(path, account.pw_uid, account.pw_gid)
        os.chown(folder, account.pw_uid, account.pw_gid)
        as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    process = subprocess.Popen(
        [binary, str(folder / "pgbouncer.ini")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        **as_user,
    )
    time.sleep(1)
    if process.poll() is not None:
        raise SystemExit(f"pgbouncer exited: {(folder / 'pgbouncer.log').read_text()[-2000:]}")
    return process, port


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
    latencies: dict[int, list[float]] = defaultdict(list)
    for log in logs.iterdir():
        for line in log.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 6 and fields[2].isdigit():
                lag = int(fields[6]) if len(fields) > 6 else 0  # --rate: the start's delay
                latencies[int(fields[3])].append((int(fields[2]) + lag) / 1000)
    names = list(SCRIPTS)
    everything = sorted(x for values in latencies.values() for x in values)
    print(f"  {'transaction':<24} {'count':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for number, values in sorted(latencies.items()):
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

    def at(share: float) -> float:
        return values[min(len(values) - 1, int(share * len(values)))]

    return f"  {label:<24} {len(values):>8} {at(0.5):>8.1f} {at(0.95):>8.1f} {at(0.99):>8.1f}"


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
    database, login, password, tenants = prepare(server, args)
    tools, version = client_tools(database)
    print(f"PostgreSQL {version}, {os.cpu_count()} CPUs; PgBouncer pool of {args.pool_size}")
    folder = Path(tempfile.mkdtemp(prefix="cmmsdb-pgbouncer-bench-"))
    folder.chmod(0o755)
    process, port = start_pgbouncer(database, login, password, args.pool_size, folder)
    try:
        for run in args.runs.split(","):
            run_pgbench(tools / "pgbench", port, login, password, run, args, tenants, folder)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
