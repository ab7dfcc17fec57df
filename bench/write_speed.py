"""What the data layer's triggers cost the application's writes (issue 19).

For assets and work orders: one INSERT of 2,000 rows (rows/s) and single-row INSERTs (p50
and p95 in ms), each in a transaction rolled back afterwards, three ways:

  app            a cmms_app login with the tenant context set: RLS and every trigger;
  superuser      the --dsn role: no RLS, every trigger;
  triggers off   the superuser with session_replication_role = replica: no trigger at all.

The database is migrated fresh and seeded (`--tenants` of the small profile) so that
activity_logs and the tenant's tables are not empty. Before each bulk run the written
tables are vacuumed: the rolled-back runs before it would otherwise leave thousands of dead
entries under the same keys (the work orders' numbers start again at the same value), which
every insert's unique check and max(number) then visits, and the later runs would measure
that bloat rather than the triggers.

    python bench/write_speed.py [--dsn postgresql://...] [--tenants 10] [--runs 5]
        [--single 200]

Targets (issue 19): app bulk inserts at 10,000 rows/s or more for both tables (measured
before: assets 2,475, work orders 1,221 rows/s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
from _server import app_login, drop_database, migrated_database, server_dsn
from _timing import ms

import cmmsdb

BULK = {
    "assets": "INSERT INTO cmms.assets (organization_id, name, status, criticality) "
    "SELECT %(org)s, 'Pump ' || g, 'up', 'medium' FROM generate_series(1, %(n)s) AS g",
    # With triggers off nothing numbers the work orders: the statement numbers them then.
    "work_orders": "INSERT INTO cmms.work_orders (organization_id, number, title, priority) "
    "SELECT %(org)s, CASE WHEN %(numbered)s THEN %(first)s + g END, 'Replace belt ' || g, "
    "'high' FROM generate_series(1, %(n)s) AS g",
}


def tenant(dsn: str) -> tuple[Any, Any]:
    """A seeded organization and one of its admins."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT organization_id, id FROM cmms.users WHERE role = 'admin' LIMIT 1"
        ).fetchone()
    assert row is not None
    return row[0], row[1]


def prepare(conn: psycopg.Connection[Any], mode: str, org: Any, user: Any) -> None:
    if mode == "app":
        conn.execute("SELECT cmms.set_context(%s, %s)", (org, user))
    elif mode == "triggers off":
        conn.execute("SET LOCAL session_replication_role = replica")


WRITTEN = {  # the tables a bulk insert of each writes, triggers included
    "assets": "cmms.assets, cmms.activity_logs",
    "work_orders": "cmms.work_orders, cmms.maintenance_logs, cmms.notifications,"
    " cmms.activity_logs",
}


def vacuum(database: str, table: str) -> None:
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(f"VACUUM {WRITTEN[table]}")


def bulk_rows_per_second(
    dsn: str, database: str, mode: str, table: str, org: Any, user: Any, runs: int
) -> float:
    rates = []
    with psycopg.connect(dsn) as conn:
        for _ in range(runs):
            vacuum(database, table)
            prepare(conn, mode, org, user)
            started = time.perf_counter()
            params = {"org": org, "n": 2000, "numbered": mode == "triggers off", "first": 10**9}
            conn.execute(BULK[table], params)
            rates.append(2000 / (time.perf_counter() - started))
            conn.rollback()
    return statistics.median(rates)


def single_row_ms(
    dsn: str, database: str, mode: str, table: str, org: Any, user: Any, n: int
) -> tuple[float, float]:
    times = []
    vacuum(database, table)
    with psycopg.connect(dsn) as conn:
        prepare(conn, mode, org, user)
        for i in range(n):
            started = time.perf_counter()
            params = {"org": org, "n": 1, "numbered": mode == "triggers off", "first": 10**9 + i}
            conn.execute(BULK[table], params, prepare=True)
            times.append(time.perf_counter() - started)
        conn.rollback()
    return ms(times[n // 10 :])  # the first tenth warms the caches and prepares


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn")
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--single", type=int, default=200)
    args = parser.parse_args()
    server = server_dsn(args.dsn)
    database = migrated_database(args.dsn)
    try:
        cmmsdb.seed(database, profile="small", tenants=args.tenants)
        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        org, user = tenant(database)
        dsns = {"app": app_login(server, database), "superuser": database}
        dsns["triggers off"] = database
        print(f"{'table':<12} {'mode':<13} {'bulk rows/s':>12} {'single p50 ms':>14} {'p95 ms':>8}")
        for table in BULK:
            for mode, dsn in dsns.items():
                rate = bulk_rows_per_second(dsn, database, mode, table, org, user, args.runs)
                p50, p95 = single_row_ms(dsn, database, mode, table, org, user, args.single)
                print(f"{table:<12} {mode:<13} {rate:>12,.0f} {p50:>14.2f} {p95:>8.2f}")
        print(
            "before (issue 19): app bulk assets 2,475 and work orders 1,221 rows/s; target 10,000"
        )
    finally:
        drop_database(server, database.rsplit("/", 1)[-1])


if __name__ == "__main__":
    main()
