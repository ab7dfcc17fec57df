"""cmmsdb repair: an edited applied migration, once reviewed, gets its new checksum recorded
(status clean, migrate runs again without --allow-changed, the schema untouched); one whose
file is gone is forgotten; both logged in the history with the role that did it. And migrate,
which used to say "up to date" over an applied migration whose file is gone, names the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

import cmmsdb
from cmmsdb import migration_history, migrator, repairing
from cmmsdb.errors import ChangedMigrations, MigrationFailed, MissingMigrations, RepairRefused
from cmmsdb.migrations import checksum
from cmmsdb.target import Target
from tests.test_migrator import FAST, ledger_rows, tables, write


@pytest.fixture
def simple(tmp_path: Path) -> Path:
    return write(
        tmp_path / "simple",
        {
            "0001.create-a.sql": "CREATE TABLE a (id int PRIMARY KEY);\n",
            "0001.create-a.rollback.sql": "DROP TABLE a;\n",
            "0002.create-b.sql": "CREATE TABLE b (id int PRIMARY KEY);\n",
            "0002.create-b.rollback.sql": "DROP TABLE b;\n",
            "0003.create-c.sql": "CREATE TABLE c (id int);\n",
            "0003.create-c.rollback.sql": "DROP TABLE c;\n",
        },
    )


def states(target: Target, folder: Path) -> dict[str, str]:
    return {m.id: m.state for m in migrator.status(target, folder).migrations}


def test_repair_accepts_an_edited_migration_and_logs_who_did_it(
    empty_db: str, simple: Path
) -> None:
    target = Target(empty_db, "test")
    migrator.migrate(target, simple, to="0002", options=FAST)
    before = checksum(simple / "0001.create-a.sql")
    (simple / "0001.create-a.sql").write_text("-- reviewed\nCREATE TABLE a (id int PRIMARY KEY);\n")
    assert states(target, simple)["0001.create-a"] == "changed"
    with pytest.raises(ChangedMigrations) as refused:
        migrator.migrate(target, simple, options=FAST)
    assert "cmmsdb repair 0001.create-a" in str(refused.value.hint)

    report = repairing.repair(target, "0001", simple)

    assert (report.id, report.action, report.previous_checksum) == (
        "0001.create-a",
        "checksum",
        before,
    )
    assert report.checksum == checksum(simple / "0001.create-a.sql")
    assert states(target, simple) == {
        "0001.create-a": "applied",
        "0002.create-b": "applied",
        "0003.create-c": "pending",
    }
    migrator.migrate(target, simple, options=FAST)
    assert tables(empty_db) == {"a", "b", "c"}
    repair = [e for e in migration_history.history(target).events if e.action == "repair"]
    assert [(e.id, e.by, e.checksum) for e in repair] == [
        ("0001.create-a", "postgres", report.checksum)
    ]
    assert (
        repair[0].detail
        == f"accepted the edited file: checksum {before[:12]} -> {report.checksum[:12]}"
    )


def test_repair_of_a_migration_that_matches_its_file_changes_nothing(
    empty_db: str, simple: Path
) -> None:
    target = Target(empty_db, "test")
    migrator.migrate(target, simple, options=FAST)

    report = cmmsdb.repair(empty_db, "0002.create-b", simple)

    assert report.action == "none"
    assert [e.action for e in migration_history.history(target).events] == ["apply"] * 3


def test_repair_refuses_a_migration_that_is_not_applied(empty_db: str, simple: Path) -> None:
    target = Target(empty_db, "test")
    migrator.migrate(target, simple, to="0001", options=FAST)

    with pytest.raises(RepairRefused, match="no applied migration matches '0003'"):
        repairing.repair(target, "0003", simple)


def test_migrate_over_a_missing_file_names_the_fix_and_repair_forgets_it(
    empty_db: str, simple: Path
) -> None:
    target = Target(empty_db, "test")
    migrator.migrate(target, simple, to="0002", options=FAST)
    (simple / "0002.create-b.sql").unlink()
    (simple / "0002.create-b.rollback.sql").unlink()

    with pytest.raises(MissingMigrations) as raised:
        migrator.migrate(target, simple, options=FAST)
    assert "0002.create-b" in raised.value.message
    assert "cmmsdb repair 0002.create-b" in str(raised.value.hint)
    assert tables(empty_db) == {"a", "b"}  # nothing was applied

    report = repairing.repair(target, "0002.create-b", simple)

    assert (report.action, report.checksum) == ("forget", None)
    assert "missing" not in states(target, simple).values()
    migrator.migrate(target, simple, options=FAST)
    assert [row[0] for row in ledger_rows(empty_db)] == ["0001.create-a", "0003.create-c"]
    assert tables(empty_db) == {"a", "b", "c"}  # forgetting dropped nothing
    last = migration_history.history(target).events[-2]
    assert (last.action, last.id) == ("repair", "0002.create-b")
    assert last.detail is not None
    assert last.detail.startswith("forgotten")


def test_hints_name_a_few_ids_and_count_the_rest(empty_db: str, tmp_path: Path) -> None:
    """A migration failing after many others: the hint says which were kept in three ids
    and a count, not every id on one line."""
    files = {f"{n:04d}.create-t{n}.sql": f"CREATE TABLE t{n} (id int);\n" for n in range(1, 21)}
    files["0021.fail.sql"] = "SELECT 1/0;\n"
    folder = write(tmp_path / "many", files)

    with pytest.raises(MigrationFailed) as raised:
        migrator.migrate(Target(empty_db, "test"), folder, options=FAST)

    hint = str(raised.value.hint)
    assert hint.endswith(
        "applied in this run and kept: 0001.create-t1 to 0020.create-t20 (20 migrations)"
    )
    assert len(raised.value.applied) == 20
