"""`cmmsdb seed` against its floor: loading exactly the rows it wrote into exactly these
tables, with nothing to generate.

    python bench/seed_speed.py [--dsn postgresql://...] [--profile load] [--tenants N]
                               [--scale X] [--jobs N] [--seed S] [--runs 3] [--bindir DIR]

The seed runs into a freshly migrated database; its rows (audit records included) are
dumped data-only (pg_dump -Fd of schema cmms) and restored into another freshly migrated
database with `pg_restore --data-only --disable-triggers --single-transaction` (--jobs 1)
or `pg_restore -j N --data-only --disable-triggers` (--jobs N > 1). Both move the same rows
into the same indexed tables with triggers off; the restore has no rows to invent, so it
is the floor, and `seed / restore` (rates) says how close the seed comes to it. Seeds and
restores alternate, --runs of each, and the best of each is compared: a shared machine's
load varies more than either.

It also splits the seed's time between writing the rows (generating them in Python, COPY)
and writing their audit records (one INSERT ... SELECT per table), and times generating the
rows alone for one tenant of the profile, with no database, to say what dominates.

Target (issue 15): 0.7 or better. pg_dump and pg_restore are those of the server's major
version (cmmsdb.local.client_tools), or those of --bindir.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
from _server import client_tools, drop_database, fresh_database, server_dsn
from psycopg.conninfo import conninfo_to_dict

import cmmsdb
from cmmsdb import seeding
from cmmsdb.seeding import BASE_TIME, DEFAULT_JOBS, schema, seed
from cmmsdb.seeding.pools import build
from cmmsdb.seeding.profile import load
from cmmsdb.seeding.tenant import GENERATORS, Tenant
from cmmsdb.target import resolve

ROWS = """
    SELECT coalesce(sum(n_live_tup), 0)::bigint FROM pg_stat_user_tables
    WHERE schemaname = 'cmms'
"""
COUNT = "SELECT count(*) FROM {}"
TABLES = """
    SELECT c.oid::regclass::text FROM pg_class c
    WHERE c.relnamespace = 'cmms'::regnamespace AND c.relkind = 'r'
"""


def rows_in(dsn: str) -> int:
    """Every row of schema cmms (partitions counted once, as leaves)."""
    with psycopg.connect(dsn) as conn:
        tables = [name for (name,) in conn.execute(TABLES)]
        return sum(int((conn.execute(COUNT.format(name)).fetchone() or (0,))[0]) for name in tables)


def dump(dsn: str, folder: Path, bindir: Path) -> None:
    """A data-only directory-format dump of schema cmms: what the seed wrote."""
    command = [str(bindir / "pg_dump"), "--data-only", "-Fd", "-n", "cmms", "-f", str(folder)]
    subprocess.run([*command, "-d", dsn], check=True, capture_output=True)


def restore(dsn: str, folder: Path, jobs: int, bindir: Path) -> float:
    """Seconds to load the dump into the freshly migrated database `dsn`."""
    command = [str(bindir / "pg_restore"), "--data-only", "--disable-triggers", "-d", dsn]
    command += ["--single-transaction"] if jobs == 1 else ["-j", str(jobs)]
    started = time.perf_counter()
    subprocess.run([*command, str(folder)], check=True, capture_output=True)
    return time.perf_counter() - started


class Split:
    """Seconds the seed's workers spent in its two phases, summed over workers."""

    def __init__(self) -> None:
        self.seconds = {"rows": 0.0, "audit": 0.0}
        self.lock = threading.Lock()

    def wrap(self, phase: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                with self.lock:
                    self.seconds[phase] += time.perf_counter() - started

        return timed


def generation_rate(dsn: str, profile_name: str) -> float:
    """Rows per second of generating one average tenant's rows and converting them to COPY
    tuples, with nothing sent anywhere (the client's share of the work)."""
    with psycopg.connect(dsn) as conn:
        shapes = schema.read(conn)
    profile, rng = load(profile_name), random.Random(1)
    allowed = {name: shape.allowed for name, shape in shapes.items()}
    tenant = Tenant(
        uuid.UUID(int=rng.getrandbits(128), version=4),
        rng,
        BASE_TIME,
        build(1),
        profile.work_order_status,
        profile.work_order_priority,
        allowed,
    )
    rows, started = 0, time.perf_counter()
    for table, generator in GENERATORS.items():
        produced = iter(generator(tenant, profile.rows.get(table, 0)))
        first = next(produced, None)
        if first is not None:
            plan = schema.plan(shapes[table], first, rng, BASE_TIME)
            rows += sum(1 for _ in plan.tuples([first, *produced]))
    return rows / (time.perf_counter() - started)


def seed_once(dsn: str, args: argparse.Namespace, jobs: int) -> tuple[str, float]:
    """A freshly migrated database seeded as asked, and the seed's seconds."""
    seeded = fresh_database(dsn)
    cmmsdb.migrate(seeded)
    report = seed(
        resolve(seeded),
        profile=args.profile,
        tenants=args.tenants,
        scale=args.scale,
        seed=args.seed,
        jobs=jobs,
    )
    return seeded, report.seconds


def restore_once(dsn: str, folder: Path, rows: int, jobs: int, bindir: Path) -> float:
    """Seconds to restore the dump into a freshly migrated database (dropped afterwards)."""
    restored = fresh_database(dsn)
    cmmsdb.migrate(restored)
    before = rows_in(restored)
    seconds = restore(restored, folder, jobs, bindir)
    assert rows_in(restored) - before == rows, "the restore did not load what the seed wrote"
    drop(dsn, restored)
    return seconds


def drop(dsn: str, database: str) -> None:
    drop_database(dsn, str(conninfo_to_dict(database)["dbname"]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn")
    parser.add_argument("--profile", default="load")
    parser.add_argument("--tenants", type=int)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--jobs", type=int, help="tenants written side by side (seed's default)")
    parser.add_argument("--runs", type=int, default=3, help="seeds and restores, alternated")
    parser.add_argument(
        "--bindir",
        type=Path,
        help="folder of pg_dump and pg_restore (default: the server's version)",
    )
    args = parser.parse_args()
    dsn = server_dsn(args.dsn)
    bindir = args.bindir or client_tools(dsn)[0]
    jobs = args.jobs or DEFAULT_JOBS

    split = Split()
    loader = seeding._Loader
    loader._copy = split.wrap("rows", loader._copy)  # type: ignore[method-assign]
    loader._audit = split.wrap("audit", loader._audit)  # type: ignore[method-assign]
    seeded, first = seed_once(dsn, args, jobs)
    seeds, restores = [first], []
    rows = rows_in(seeded)
    with tempfile.TemporaryDirectory(prefix="cmmsdb-seed-dump-") as folder:
        dumped = Path(folder) / "dump"
        dump(seeded, dumped, bindir)
        for run in range(args.runs):
            restores.append(restore_once(dsn, dumped, rows, jobs, bindir))
            if run + 1 < args.runs:  # a machine's load varies: alternate the two
                again, seconds = seed_once(dsn, args, jobs)
                seeds.append(seconds)
                drop(dsn, again)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    floor = f"pg_restore -j {jobs}" if jobs > 1 else "pg_restore --single-transaction"
    best_seed, best_restore = min(seeds), min(restores)
    print(f"profile {args.profile}: {args.tenants or 'profile'} tenants, jobs {jobs}")
    print(f"rows (audit records included)  {rows:12,}")
    print(f"seed seconds (best of {len(seeds)})      {best_seed:12.2f}   all: {_list(seeds)}")
    print(f"{floor + ' (best)':<30} {best_restore:12.2f}   all: {_list(restores)}")
    print(f"seed rows/s                    {rows / best_seed:12,.0f}")
    print(f"restore rows/s                 {rows / best_restore:12,.0f}")
    print(f"seed / restore                 {best_restore / best_seed:12.2f}   target 0.7 or better")
    print(f"peak memory (MB)               {peak_mb:12,.0f}")
    busy = sum(split.seconds.values()) or 1.0
    print(
        f"workers' time: rows (generate + COPY) {split.seconds['rows']:.1f} s"
        f" ({split.seconds['rows'] / busy:.0%}), audit records (INSERT ... SELECT)"
        f" {split.seconds['audit']:.1f} s ({split.seconds['audit'] / busy:.0%})"
    )
    print(
        f"generating and converting rows alone, one thread: "
        f"{generation_rate(seeded, args.profile):,.0f} rows/s"
    )


def _list(seconds: list[float]) -> str:
    return ", ".join(f"{value:.1f}" for value in seconds)


if __name__ == "__main__":
    main()
