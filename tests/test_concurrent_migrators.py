"""Migrators started together on one database, as real processes: none deadlocks, none fails,
each migration is applied exactly once, through the non-transactional ones (0053, 0054:
CREATE INDEX CONCURRENTLY, which waits for every older snapshot, hence for any migrator
that waits for the migration lock inside a statement).

Two rounds of each case run by default; CMMSDB_MIGRATOR_ROUNDS=20 runs twenty.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from cmmsdb import migrator, partitions
from cmmsdb.target import Target

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "sql" / "migrations"
ROUNDS = int(os.environ.get("CMMSDB_MIGRATOR_ROUNDS", "2"))
MIGRATORS = 6
ALL = sorted(
    p.name.removesuffix(".sql") for p in MIGRATIONS.glob("*.sql") if ".rollback" not in p.name
)
INDEXES = (
    "cmms.assets_organization_id_latitude_longitude_idx",  # 0053
    "cmms.work_orders_completed_at_idx",  # 0054
)


def migrate(dsn: str, *args: str) -> subprocess.Popen[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("CMMSDB_DSN", "DATABASE_URL")}
    environ["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen(
        [sys.executable, "-m", "cmmsdb", "migrate", "--dsn", dsn, "--wait", "300", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
    )


def run_together(dsn: str) -> None:
    procs = [migrate(dsn) for _ in range(MIGRATORS)]
    outputs = [p.communicate(timeout=600) for p in procs]
    failures = [(p.returncode, err) for p, (_, err) in zip(procs, outputs, strict=True)]
    assert [code for code, _ in failures] == [0] * MIGRATORS, failures


def assert_each_applied_once(dsn: str, already: list[str]) -> None:
    with psycopg.connect(dsn) as conn:
        ledger = conn.execute(
            "SELECT id, state FROM cmmsdb.applied_migrations ORDER BY seq"
        ).fetchall()
        applies = [
            mid
            for (mid,) in conn.execute(
                "SELECT migration_id FROM cmmsdb.migration_history WHERE action = 'apply'"
            )
        ]
        invalid = conn.execute(
            "SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid"
        ).fetchall()
        present = [
            name
            for name in INDEXES
            if conn.execute("SELECT to_regclass(%s)", [name]).fetchone() != (None,)
        ]
    assert ledger == [(mid, "applied") for mid in ALL]
    assert sorted(applies) == sorted(ALL), "a migration was applied twice (or not at all)"
    assert sorted(applies) == sorted(already + [m for m in ALL if m not in already])
    assert invalid == []
    assert present == list(INDEXES)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_migrators_started_together_on_an_empty_database_all_succeed(
    empty_db: str, round_: int
) -> None:
    run_together(empty_db)
    assert_each_applied_once(empty_db, [])


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_migrators_started_together_on_a_half_applied_database_all_succeed(
    empty_db: str, round_: int
) -> None:
    first = migrate(empty_db, "--to", "0052")
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err

    run_together(empty_db)
    assert_each_applied_once(empty_db, [m for m in ALL if m < "0053"])


WAITERS = {
    "migrate": (7236833568497074177, lambda target: migrator.migrate(target, MIGRATIONS)),
    "rollback": (7236833568497074177, lambda target: migrator.rollback(target, MIGRATIONS)),
    "partitions maintain": (7236833568497074178, lambda target: partitions.maintain(target)),
}


@pytest.mark.parametrize("command", list(WAITERS))
def test_waiting_for_the_lock_holds_no_snapshot_and_no_transaction(
    migrated_db: str, command: str
) -> None:
    key, run = WAITERS[command]
    target = Target(migrated_db, "test")
    with psycopg.connect(migrated_db, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [key])
        waiter = threading.Thread(target=run, args=(target,))
        waiter.start()
        seen = []
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            seen += holder.execute(
                "SELECT state, backend_xmin IS NULL, backend_xid IS NULL FROM pg_stat_activity"
                " WHERE application_name = 'cmmsdb' AND datname = current_database()"
            ).fetchall()
            time.sleep(0.01)
        holder.execute("SELECT pg_advisory_unlock(%s)", [key])
        waiter.join(timeout=60)

    assert seen, "the waiter never connected"
    snapshots = [row for row in seen if row != ("idle", True, True)]
    # a poll runs for a fraction of a millisecond: it may be caught once or twice, not more
    assert len(snapshots) <= len(seen) // 10, snapshots
