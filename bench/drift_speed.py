"""Wall time of `cmmsdb drift` for the full schema against the committed snapshot, as a
command (what CI runs) and in-process (cmmsdb.schema_drift.drift, without interpreter start-up),
with the catalog snapshot query alone for reference; once with no drift and once with one
difference. Target: under 2 s.

    python bench/drift_speed.py [--dsn postgresql://...] [--runs 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
from _server import migrated_database
from _timing import timed

from cmmsdb import catalog
from cmmsdb import schema_drift as drift
from cmmsdb.resources import default_migrations_dir
from cmmsdb.target import Target


def run_cli(command: list[str], expected_exit: int) -> None:
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode != expected_exit:
        raise SystemExit(f"{command}: exit {done.returncode}: {done.stderr.decode()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    database = migrated_database(args.dsn)
    target, folder = Target(database, "bench"), default_migrations_dir()
    command = [sys.executable, "-m", "cmmsdb", "drift", "--dsn", database]
    with psycopg.connect(database, autocommit=True) as conn:
        tables = len(catalog.snapshot(conn)["tables"])

        def snapshot_only() -> object:
            return catalog.snapshot(conn)

        cases: dict[str, Callable[[], object]] = {
            "catalog.snapshot() alone": snapshot_only,
            "drift() in-process, clean": lambda: drift.drift(target, folder),
            "cmmsdb drift, clean": lambda: run_cli(command, 0),
        }
        results = {name: timed(action, args.runs, warm=True) for name, action in cases.items()}
        conn.execute("ALTER TABLE cmms.teams NO FORCE ROW LEVEL SECURITY")
        results["cmmsdb drift, 1 difference"] = timed(
            lambda: run_cli(command, 1), args.runs, warm=True
        )
        results["cmmsdb drift --json, 1 diff"] = timed(
            lambda: run_cli([*command, "--json"], 1), args.runs, warm=True
        )
        version = conn.info.parameter_status("server_version")
    print(f"PostgreSQL {version}, {tables} tables with partitions, {args.runs} runs; target < 2 s")
    print(f"{'case':<30} {'median':>9} {'max':>9}")
    for name, times in results.items():
        print(f"{name:<30} {statistics.median(times) * 1000:7.0f}ms {times[-1] * 1000:7.0f}ms")


if __name__ == "__main__":
    main()
