"""`cmmsdb seed` throughput against the COPY ceiling of the same server (`pgbench -i`, which
loads pgbench_accounts with COPY), with the peak memory of the seeding process.

    python bench/seed_speed.py [--dsn postgresql://...] [--profile load] [--tenants N]
                               [--scale X] [--pgbench-scale 50] [--jobs N]

Targets (issue 5): the load profile at 200,000 rows/s or more, at least a quarter of the
pgbench -i rate, peak memory under 1 GB.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import fresh_database, server_dsn
from psycopg.conninfo import conninfo_to_dict

import cmmsdb
from cmmsdb.seeding import DEFAULT_JOBS, seed
from cmmsdb.target import resolve


def pgbench_rows_per_second(dsn: str, scale: int) -> float:
    """Rows per second of pgbench -i's COPY of pgbench_accounts (100,000 rows per scale)."""
    params = conninfo_to_dict(dsn)
    command = [shutil.which("pgbench") or "pgbench", "-i", "-q", "-I", "dtg", "-s", str(scale)]
    command += ["-h", str(params.get("host", "127.0.0.1")), "-p", str(params.get("port", 5432))]
    command += ["-U", str(params.get("user", "postgres")), str(params["dbname"])]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return scale * 100_000 / (time.perf_counter() - started)


def copy_vs_executemany(dsn: str, seed_value: int = 99) -> tuple[float, float, int]:
    """Rows/s of binary COPY and of executemany INSERT for the same rows (one load-profile
    tenant, triggers skipped for both), each in a transaction that is rolled back."""
    import random
    import uuid

    import psycopg
    from psycopg import sql

    from cmmsdb.seeding import BASE_TIME
    from cmmsdb.seeding.pools import build
    from cmmsdb.seeding.profile import load
    from cmmsdb.seeding.tenant import TABLES, Tenant

    profile = load("load")
    rng = random.Random(seed_value)
    org = uuid.UUID(int=rng.getrandbits(128), version=4)
    tenant = Tenant(
        org,
        rng,
        BASE_TIME,
        build(seed_value),
        profile.work_order_status,
        profile.work_order_priority,
    )
    tables = [(t, list(t.rows(tenant, profile.rows.get(t.name, 0)))) for t in TABLES]
    rows = sum(len(r) for _, r in tables)
    rates = []
    for method in ("copy", "executemany"):
        with psycopg.connect(dsn) as conn:
            conn.execute("SET session_replication_role = replica")
            conn.execute(
                "INSERT INTO cmms.organizations (id, name, slug) VALUES (%s, 'bench', 'bench')",
                [org],
            )
            started = time.perf_counter()
            for table, table_rows in tables:
                names = sql.SQL(", ").join(map(sql.Identifier, table.columns))
                target = sql.SQL("cmms.{} ({})").format(sql.Identifier(table.name), names)
                if method == "copy":
                    with conn.cursor().copy(sql.SQL("COPY {} FROM STDIN").format(target)) as copy:
                        for row in table_rows:
                            copy.write_row(row)
                else:
                    marks = sql.SQL(", ").join(sql.Placeholder() * len(table.columns))
                    insert = sql.SQL("INSERT INTO {} VALUES ({})").format(target, marks)
                    conn.cursor().executemany(insert, table_rows)
            rates.append(rows / (time.perf_counter() - started))
            conn.rollback()
    return rates[0], rates[1], rows


def server_side_ceiling(dsn: str, org: str) -> tuple[float, float, int]:
    """Rows/s of the server writing one seeded tenant's rows again with no client work at
    all: INSERT ... SELECT of every table's rows under a new organization id (composite keys
    keep every reference inside it), triggers skipped as seed does; then with the audit
    records written as seed writes them. Rolled back. No generator, in the server or not,
    can feed these tables faster than this."""
    import uuid

    import psycopg
    from psycopg import sql

    from cmmsdb.seeding import _Loader
    from cmmsdb.seeding.pools import build
    from cmmsdb.seeding.profile import load
    from cmmsdb.seeding.tenant import TABLES

    clone = uuid.uuid4()
    with psycopg.connect(dsn) as conn:
        loader = _Loader(conn, load("load"), 1, build(1), {})
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute(
            "INSERT INTO cmms.organizations (id, name, slug)"
            " SELECT %s, name, slug || '-clone' FROM cmms.organizations WHERE id = %s",
            [clone, org],
        )
        rows = 0
        started = time.perf_counter()
        for table in TABLES:
            chosen = [
                sql.Placeholder("clone") if c == "organization_id" else sql.Identifier(c)
                for c in table.columns
            ]
            statement = sql.SQL(
                "INSERT INTO cmms.{t} ({c}) SELECT {s} FROM cmms.{t} WHERE organization_id = {o}"
            ).format(
                t=sql.Identifier(table.name),
                c=sql.SQL(", ").join(map(sql.Identifier, table.columns)),
                s=sql.SQL(", ").join(chosen),
                o=sql.Placeholder("org"),
            )
            rows += conn.execute(statement, {"clone": clone, "org": org}).rowcount
        rows_only = time.perf_counter() - started
        loader._audit(clone)
        with_audit = time.perf_counter() - started
        conn.rollback()
    return rows / rows_only, rows / with_audit, rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn")
    parser.add_argument("--profile", default="load")
    parser.add_argument("--tenants", type=int)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--pgbench-scale", type=int, default=50)
    parser.add_argument("--jobs", type=int, help="tenants written side by side (seed's default)")
    args = parser.parse_args()
    dsn = server_dsn(args.dsn)

    ceiling = pgbench_rows_per_second(fresh_database(dsn), args.pgbench_scale)
    target = fresh_database(dsn)
    cmmsdb.migrate(target)
    report = seed(
        resolve(target),
        profile=args.profile,
        tenants=args.tenants,
        scale=args.scale,
        jobs=args.jobs,
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    copy_rate, insert_rate, sample = copy_vs_executemany(target)
    rows_rate, audited_rate, cloned = server_side_ceiling(target, report.organizations[0])

    print(f"profile {report.profile}: {report.tenants} tenants, {report.total_rows:,} rows")
    print(f"jobs                        {args.jobs or DEFAULT_JOBS:12}")
    print(f"work orders                 {report.rows.get('work_orders', 0):12,}")
    print(f"seconds                     {report.seconds:12.1f}")
    print(f"seed rows/s                 {report.rows_per_second:12,.0f}   target 200,000")
    print(f"pgbench -i COPY rows/s      {ceiling:12,.0f}")
    print(f"seed / COPY ceiling         {report.rows_per_second / ceiling:12.2f}   target 0.25")
    print(f"peak memory (MB)            {peak_mb:12,.0f}   target < 1,024")
    print(
        f"one tenant's {sample:,} rows: COPY {copy_rate:,.0f} rows/s,"
        f" executemany INSERT {insert_rate:,.0f} rows/s, ratio {copy_rate / insert_rate:.1f}"
        " (target 20 for seed vs executemany)"
    )
    print(
        f"server-side ceiling, one tenant's {cloned:,} rows by INSERT ... SELECT: "
        f"{rows_rate:,.0f} rows/s, {audited_rate:,.0f} rows/s with their audit records"
    )


if __name__ == "__main__":
    main()
