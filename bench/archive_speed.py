"""How fast `cmmsdb archive` moves finished work orders, and how long it holds row locks:
N closed work orders (finished three years ago) in T tenants, each with 2 comments, a
checklist with 3 items and a work order asset, archived with --batch-size B.

Prints work orders and rows per second, the number of batches and the longest batch (the
longest any archived row stays locked), then restores one tenant's work orders and prints
that too.

    python bench/archive_speed.py [--dsn postgresql://...] [--work-orders 20000]
        [--tenants 10] [--batch-size 500]

The rows are loaded by the superuser with plain INSERT ... SELECT (triggers run).
"""

from __future__ import annotations

import argparse
import time

import psycopg
from _server import migrated_database

from cmmsdb import archiving
from cmmsdb.target import Target

LOAD = """
WITH orgs AS (
    INSERT INTO cmms.organizations (name, slug)
    SELECT 'Bench ' || i, 'bench-' || i || '-' || md5(random()::text)
    FROM generate_series(1, %(tenants)s) i
    RETURNING id
), wo AS (
    INSERT INTO cmms.work_orders (organization_id, title, status, completed_at)
    SELECT o.id, 'Work ' || i, 'closed', now() - interval '3 years'
    FROM orgs o, generate_series(1, %(per_tenant)s) i
    RETURNING organization_id, id
), c AS (
    INSERT INTO cmms.comments (organization_id, work_order_id, body)
    SELECT organization_id, id, 'note ' || n FROM wo, generate_series(1, 2) n
), cl AS (
    INSERT INTO cmms.checklists (organization_id, work_order_id, name)
    SELECT organization_id, id, 'Safety' FROM wo
    RETURNING organization_id, id
)
INSERT INTO cmms.checklist_items (organization_id, checklist_id, position, label)
SELECT organization_id, id, p, 'step ' || p FROM cl, generate_series(1, 3) p
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn")
    parser.add_argument("--work-orders", type=int, default=20000)
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()

    database = migrated_database(args.dsn)
    with psycopg.connect(database, autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute(
            LOAD, {"tenants": args.tenants, "per_tenant": args.work_orders // args.tenants}
        )
        conn.execute("ANALYZE")
        print(f"loaded in {time.perf_counter() - started:.1f} s")

    target = Target(database, "bench")
    report = archiving.archive(target, older_than="2y", batch_size=args.batch_size)
    rows = sum(report.rows.values())
    print(
        f"archived {report.work_orders} work orders ({rows} rows) in {report.seconds:.2f} s: "
        f"{report.work_orders / report.seconds:.0f} work orders/s, {rows / report.seconds:.0f} "
        f"rows/s; {report.batches} batches of {args.batch_size}, longest "
        f"{report.longest_batch_seconds * 1000:.0f} ms"
    )
    with psycopg.connect(database, autocommit=True) as conn:
        org, ids = conn.execute(
            "SELECT organization_id, array_agg(id) FROM cmms_archive.work_orders"
            " GROUP BY organization_id LIMIT 1"
        ).fetchone() or (None, [])
    started = time.perf_counter()
    restored = archiving.restore(target, org, ids)
    seconds = time.perf_counter() - started
    print(f"restored {restored.work_orders} work orders of one tenant in {seconds:.2f} s")


if __name__ == "__main__":
    main()
