"""cmmsdb baseline: a database whose schema was built without cmmsdb (by yoyo, or by hand)
is adopted by recording migrations as applied without running them, but only after drift
found its schema to be exactly the one they build; anything else is refused, unrecorded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

import cmmsdb
from cmmsdb import baselining, ledger, migration_history, migrator
from cmmsdb.errors import BaselineRefused, DriftUnavailable
from cmmsdb.target import Target
from tests.conftest import MIGRATIONS, Server

MAIN = [path.name.removesuffix(".sql") for path in sorted(MIGRATIONS.glob("*.sql"))]
MAIN = [name for name in MAIN if not name.endswith(".rollback")]


def yoyo_url(dsn: str) -> str:
    """The URL yoyo-migrations needs with psycopg 3 (`postgresql://` wants psycopg2)."""
    params = conninfo_to_dict(dsn)
    login = params.get("user", "postgres") + (
        f":{params['password']}" if params.get("password") else ""
    )
    query = f"host={params.get('host', 'localhost')}&port={params.get('port', 5432)}"
    return f"postgresql+psycopg://{login}@/{params['dbname']}?{query}"


def yoyo(dsn: str, command: str, *args: str) -> None:
    """`yoyo apply` (or another yoyo command) as the README shows it, in a process of its own
    (yoyo keeps migrations in a class-level registry: one folder per process)."""
    program = Path(sys.executable).parent / "yoyo"
    options = ["--batch", "--no-config-file", "--database", yoyo_url(dsn)]
    command = [str(program), command, *options]
    done = subprocess.run(
        [*command, *args, str(MIGRATIONS)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]


def built_without_cmmsdb(dsn: str, to: str) -> None:
    """Migrate to `to`, then drop cmmsdb's ledger: a schema cmmsdb did not record."""
    migrator.migrate(Target(dsn, "test"), MIGRATIONS, to=to)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA cmmsdb CASCADE")


def recorded(dsn: str) -> list[str]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return [row.id for row in ledger.read(conn)]


def test_a_database_yoyo_migrated_is_adopted_then_status_is_clean_and_migrate_a_no_op(
    empty_db: str,
) -> None:
    yoyo(empty_db, "apply")
    target = Target(empty_db, "test")
    assert {m.state for m in migrator.status(target, MIGRATIONS).migrations} == {"pending"}

    report = cmmsdb.baseline(empty_db)

    assert report.recorded
    assert report.source == "applied by yoyo, per public._yoyo_migration"
    assert report.migrations == MAIN
    assert migrator.status(target, MIGRATIONS).problems == []
    assert migrator.migrate(target, MIGRATIONS).steps == []
    events = migration_history.history(target).events
    assert {(e.action, e.by) for e in events} == {("baseline", "postgres")}
    assert [e.id for e in events] == MAIN
    assert events[0].detail == (
        "recorded without running, applied by yoyo, per public._yoyo_migration; the schema matched"
    )


def test_yoyo_records_that_skip_a_migration_are_refused(empty_db: str) -> None:
    """yoyo can record migrations out of order (`apply -r ID` applies ID and what it depends
    on; `mark -r ID` records ID alone): then they are not the folder's first ones."""
    yoyo(empty_db, "apply", "-r", MAIN[0])
    yoyo(empty_db, "mark", "-r", MAIN[2])

    with pytest.raises(BaselineRefused, match="skip some of the folder's first ones"):
        baselining.baseline(Target(empty_db, "test"), MIGRATIONS)
    assert recorded(empty_db) == []


def test_baseline_to_records_up_to_a_migration_checked_on_a_scratch_database(
    empty_db: str, pg_server: Server
) -> None:
    built_without_cmmsdb(empty_db, "0010")
    target = Target(empty_db, "test")

    report = baselining.baseline(
        target, MIGRATIONS, to="0010", scratch=Target(pg_server.dsn, "test")
    )

    assert report.recorded
    assert report.migrations == MAIN[:10]
    assert report.source == f"up to {MAIN[9]}"
    assert report.expected_from.startswith("scratch database on ")
    states = {m.id: m.state for m in migrator.status(target, MIGRATIONS).migrations}
    assert [i for i, s in states.items() if s == "applied"] == MAIN[:10]
    assert {s for i, s in states.items() if i not in MAIN[:10]} == {"pending"}
    assert [s.id for s in migrator.migrate(target, MIGRATIONS).steps] == MAIN[10:]


def test_a_schema_that_differs_is_refused_with_the_differences_and_nothing_recorded(
    empty_db: str,
) -> None:
    built_without_cmmsdb(empty_db, MAIN[-1])
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("ALTER TABLE cmms.teams DROP CONSTRAINT teams_name_check")

    report = baselining.baseline(Target(empty_db, "test"), MIGRATIONS, to=MAIN[-1])

    assert not report.recorded
    assert [str(d) for d in report.differences] == [
        "constraint cmms.teams.teams_name_check: missing"
    ]
    assert report.to_dict()["ok"] is False
    assert recorded(empty_db) == []


def test_a_database_cmmsdb_already_records_is_refused(migrated_db: str) -> None:
    with pytest.raises(BaselineRefused, match="already migrated by cmmsdb"):
        baselining.baseline(Target(migrated_db, "test"), MIGRATIONS, to="0001")


def test_without_to_or_yoyo_the_migrations_to_record_must_be_named(empty_db: str) -> None:
    with pytest.raises(BaselineRefused) as raised:
        baselining.baseline(Target(empty_db, "test"), MIGRATIONS)
    assert "pass --to MIGRATION" in str(raised.value.hint)


def test_the_committed_snapshot_checks_only_every_migration_else_a_scratch_is_needed(
    empty_db: str,
) -> None:
    built_without_cmmsdb(empty_db, "0010")

    with pytest.raises(DriftUnavailable) as raised:
        baselining.baseline(Target(empty_db, "test"), MIGRATIONS, to="0010")
    assert "--scratch" in str(raised.value.hint)
    assert recorded(empty_db) == []


def test_to_must_agree_with_what_yoyo_recorded(empty_db: str) -> None:
    yoyo(empty_db, "apply", "-r", MAIN[0])

    with pytest.raises(BaselineRefused, match="records 1 applied migrations, not the 2 up to"):
        baselining.baseline(Target(empty_db, "test"), MIGRATIONS, to=MAIN[1])
    assert recorded(empty_db) == []
