"""cmmsdb history: every apply and rollback, in order, with who ran it and how long it took;
a ledger written by an earlier cmmsdb reads as it is, and is upgraded in place (without
losing a row) the first time a baseline or a repair is logged."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

import cmmsdb
from cmmsdb import ledger, migration_history, migrator, repairing
from cmmsdb.errors import PermissionDenied
from cmmsdb.migrations import checksum
from cmmsdb.target import Target
from tests.test_migrator import FAST, write


@pytest.fixture
def simple(tmp_path: Path) -> Path:
    return write(
        tmp_path / "simple",
        {
            "0001.create-a.sql": "CREATE TABLE a (id int PRIMARY KEY);\n",
            "0001.create-a.rollback.sql": "DROP TABLE a;\n",
            "0002.create-b.sql": "CREATE TABLE b (id int PRIMARY KEY);\n",
            "0002.create-b.rollback.sql": "DROP TABLE b;\n",
        },
    )


def history_table(dsn: str) -> tuple[list[str], bool]:
    """The history's columns, and whether its actions may be baseline and repair."""
    with psycopg.connect(dsn) as conn:
        columns = conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'cmmsdb.migration_history'::regclass"
            " AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
        ).fetchall()
        (check,) = conn.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conname = 'migration_history_action_check'"
        ).fetchone() or ("",)
    return [name for (name,) in columns], "'repair'" in check and "'baseline'" in check


def test_history_lists_applies_and_rollbacks_in_order_with_role_and_duration(
    empty_db: str, simple: Path
) -> None:
    target = Target(empty_db, "test")
    migrator.migrate(target, simple, options=FAST)
    migrator.rollback(target, simple, options=FAST)

    report = migration_history.history(target)

    assert [(e.action, e.id) for e in report.events] == [
        ("apply", "0001.create-a"),
        ("apply", "0002.create-b"),
        ("rollback", "0002.create-b"),
    ]
    assert {e.by for e in report.events} == {"postgres"}
    assert all(e.duration_ms is not None and e.duration_ms >= 0 for e in report.events)
    assert report.events[0].checksum == checksum(simple / "0001.create-a.sql")
    assert report.events[0].at < report.events[2].at
    assert report.to_dict()["events"][2] == {
        "at": report.events[2].at,
        "action": "rollback",
        "id": "0002.create-b",
        "by": "postgres",
        "duration_ms": report.events[2].duration_ms,
        "checksum": report.events[2].checksum,
        "detail": None,
    }


def test_a_database_cmmsdb_never_migrated_has_an_empty_history(empty_db: str) -> None:
    assert cmmsdb.history(empty_db).events == []


def test_an_earlier_ledger_is_upgraded_in_place_and_keeps_logging_applies(
    empty_db: str, simple: Path
) -> None:
    """The ledger as cmmsdb created it before baselines and repairs: read as it is, then
    upgraded by the first repair, after which migrate (writing only the old columns) still
    logs into it."""
    target = Target(empty_db, "test")
    migrator.migrate(target, simple, to="0001", options=FAST)
    assert history_table(empty_db) == (
        ["at", "migration_id", "action", "checksum", "by_role", "duration_ms"],
        False,
    )
    assert [e.detail for e in migration_history.history(target).events] == [None]

    (simple / "0001.create-a.sql").write_text("CREATE TABLE a (id int PRIMARY KEY); -- note\n")
    repairing.repair(target, "0001", simple)
    with psycopg.connect(empty_db, autocommit=True) as conn:
        ledger.upgrade(conn)  # idempotent
    migrator.migrate(target, simple, options=FAST)

    assert history_table(empty_db)[1] is True

    events = migration_history.history(target).events
    assert [(e.action, e.id) for e in events] == [
        ("apply", "0001.create-a"),
        ("repair", "0001.create-a"),
        ("apply", "0002.create-b"),
    ]
    assert events[1].detail is not None
    assert "accepted the edited file" in events[1].detail


def test_a_role_without_privilege_on_schema_cmmsdb_is_told_which_grant_it_lacks(
    empty_db: str, simple: Path
) -> None:
    target = Target(empty_db, "test")
    migrator.migrate(target, simple, options=FAST)
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS cmmsdb_test_nobody")
        conn.execute("CREATE ROLE cmmsdb_test_nobody LOGIN")
    try:
        nobody = Target(psycopg.conninfo.make_conninfo(empty_db, user="cmmsdb_test_nobody"), "t")
        for call in (
            lambda: migrator.status(nobody, simple),
            lambda: migration_history.history(nobody),
        ):
            with pytest.raises(PermissionDenied) as raised:
                call()
            assert "permission denied for schema cmmsdb" in raised.value.message
            assert "GRANT USAGE ON SCHEMA cmmsdb TO cmmsdb_test_nobody" in str(raised.value.hint)
    finally:
        with psycopg.connect(empty_db, autocommit=True) as conn:
            conn.execute("DROP ROLE cmmsdb_test_nobody")
