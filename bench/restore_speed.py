"""How fast a whole seeded database restores with the standard tools, against the 4-hour
recovery target: a migrated database seeded with `cmmsdb seed` (profile load, 10 tenants),
dumped with pg_dump -Fd -j 2, then restored with pg_restore -j 1 and -j 2 into new
databases (and ANALYZEd, which pg_restore does not do).

Prints the database size, the dump's size and time, and per restore: seconds, rows/s,
GB/h of database restored, and how large a database this rate restores in 4 hours.

    python bench/restore_speed.py [--dsn postgresql://...] [--profile load]
        [--tenants 10] [--scale 1.0] [--jobs 1,2] [--target-hours 4]

The client tools are those of the server's major version (cmmsdb.local.client_tools).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
from _server import client_tools, fresh_database, migrated_database, server_dsn

from cmmsdb.seeding import seed
from cmmsdb.target import resolve

GB = 1024**3

ROWS = """
SELECT coalesce(sum(c.reltuples), 0)::bigint
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
"""


def database_size(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    return int(row[0]) if row else 0


def row_count(dsn: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ANALYZE")
        row = conn.execute(ROWS).fetchone()
    return int(row[0]) if row else 0


def timed_run(*args: str | Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{args[0]} failed: {done.stderr.strip()}")
    return time.perf_counter() - started


def folder_size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn")
    parser.add_argument("--profile", default="load")
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--target-hours", type=float, default=4.0)
    args = parser.parse_args()

    server = server_dsn(args.dsn)
    source = migrated_database(server)
    started = time.perf_counter()
    seed(resolve(source), tenants=args.tenants, profile=args.profile, scale=args.scale)
    seeded = time.perf_counter() - started
    print(f"seeded {args.tenants} tenants ({args.profile}) in {seeded:.1f} s")
    tools, version = client_tools(source)
    rows, size = row_count(source), database_size(source)
    print(f"PostgreSQL {version}: {rows:,} rows, database {size / GB:.2f} GB")

    with tempfile.TemporaryDirectory(prefix="cmmsdb-restore-") as work:
        dump = Path(work) / "dump"
        seconds = timed_run(tools / "pg_dump", "-Fd", "-j", "2", "-f", dump, "-d", source)
        dumped = folder_size(dump)
        print(
            f"pg_dump -Fd -j 2: {seconds:.1f} s, {dumped / GB:.2f} GB on disk, "
            f"{rows / seconds:,.0f} rows/s"
        )
        for jobs in (int(j) for j in args.jobs.split(",")):
            target = fresh_database(server)
            restore = timed_run(
                tools / "pg_restore", "-j", str(jobs), "--exit-on-error", "-d", target, dump
            )
            analyze = timed_run(
                tools / "vacuumdb",
                "--analyze-only",
                "-j",
                str(max(jobs, 1)),
                "-d",
                target,
            )
            total = restore + analyze
            rate = size / total * 3600 / GB
            print(
                f"pg_restore -j {jobs}: {restore:.1f} s + ANALYZE {analyze:.1f} s = {total:.1f} s; "
                f"{rows / total:,.0f} rows/s, {rate:.2f} GB/h: {rate * args.target_hours:.1f} GB "
                f"restored in {args.target_hours:g} h ({args.target_hours * 3600 / total:,.0f}x "
                f"this database, about {args.tenants * args.target_hours * 3600 / total:,.0f} "
                f"tenants of this profile)"
            )


if __name__ == "__main__":
    main()
