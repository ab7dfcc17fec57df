"""The migration engine's guarantees, proven on a real server with small migration sets."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from cmmsdb import migrator, session
from cmmsdb.catalog import snapshot
from cmmsdb.errors import (
    ChangedMigrations,
    ConfigurationError,
    ExtensionUnavailable,
    LockTimeout,
    MigrationFailed,
    ReadOnlyTarget,
    RollbackUnavailable,
    UnknownModule,
)
from cmmsdb.migrations import checksum, read_script
from cmmsdb.target import Target

FAST = session.Options(lock_timeout=0.2, lock_retries=1, wait=5, connect_timeout=5)


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture
def simple(tmp_path: Path) -> Path:
    return write(
        tmp_path / "simple",
        {
            "0001.create-a.sql": "CREATE TABLE a (id int PRIMARY KEY);\n",
            "0001.create-a.rollback.sql": "DROP TABLE a;\n",
            "0002.create-b.sql": "CREATE TABLE b (id int PRIMARY KEY);\n"
            "INSERT INTO b VALUES (1);\n",
            "0002.create-b.rollback.sql": "DROP TABLE b;\n",
            "0003.create-c.sql": "CREATE TABLE c (id int);\n",
            "0003.create-c.rollback.sql": "DROP TABLE c;\n",
        },
    )


def tables(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {name for (name,) in rows}


def ledger_rows(dsn: str) -> list[tuple[str, str, int]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT id, state, statements_done FROM cmmsdb.applied_migrations ORDER BY seq"
        ).fetchall()


def history(dsn: str) -> list[tuple[str, str]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT migration_id, action FROM cmmsdb.migration_history ORDER BY at"
        ).fetchall()


def test_migrate_applies_in_order_and_records_each(empty_db: str, simple: Path) -> None:
    report = migrator.migrate(Target(empty_db, "test"), simple, options=FAST)

    assert [s.id for s in report.steps] == ["0001.create-a", "0002.create-b", "0003.create-c"]
    assert tables(empty_db) == {"a", "b", "c"}
    assert [row[:2] for row in ledger_rows(empty_db)] == [
        ("0001.create-a", "applied"),
        ("0002.create-b", "applied"),
        ("0003.create-c", "applied"),
    ]
    again = migrator.migrate(Target(empty_db, "test"), simple, options=FAST)
    assert again.steps == []


def test_migrate_to_stops_after_the_named_migration(empty_db: str, simple: Path) -> None:
    migrator.migrate(Target(empty_db, "test"), simple, to="0002", options=FAST)

    assert tables(empty_db) == {"a", "b"}


def test_failed_migration_is_rolled_back_with_its_record_and_earlier_ones_stay(
    empty_db: str, simple: Path
) -> None:
    (simple / "0002.create-b.sql").write_text(
        "CREATE TABLE b (id int PRIMARY KEY);\n\nINSERT INTO b\nVALUES (1, 'too many');\n"
    )

    with pytest.raises(MigrationFailed) as failure:
        migrator.migrate(Target(empty_db, "test"), simple, options=FAST)

    assert "0002.create-b failed at" in failure.value.message
    assert "0002.create-b.sql:4:" in failure.value.message
    assert "INSERT has more expressions than target columns" in failure.value.message
    assert failure.value.applied == ["0001.create-a"]
    assert tables(empty_db) == {"a"}
    assert [row[0] for row in ledger_rows(empty_db)] == ["0001.create-a"]


def test_rollback_steps_to_and_all(empty_db: str, simple: Path) -> None:
    target = Target(empty_db, "test")
    migrator.migrate(target, simple, options=FAST)

    one = migrator.rollback(target, simple, options=FAST)
    assert [s.id for s in one.steps] == ["0003.create-c"]
    assert tables(empty_db) == {"a", "b"}

    migrator.migrate(target, simple, options=FAST)
    to = migrator.rollback(target, simple, to="0001", allow_data_loss=True, options=FAST)
    assert [s.id for s in to.steps] == ["0003.create-c", "0002.create-b"]
    assert tables(empty_db) == {"a"}

    migrator.rollback(target, simple, everything=True, options=FAST)
    assert tables(empty_db) == set()
    assert ledger_rows(empty_db) == []
    assert history(empty_db)[-1] == ("0001.create-a", "rollback")


def test_rollback_without_rollback_file_changes_nothing(empty_db: str, simple: Path) -> None:
    target = Target(empty_db, "test")
    migrator.migrate(target, simple, options=FAST)
    (simple / "0002.create-b.rollback.sql").unlink()

    with pytest.raises(RollbackUnavailable, match=r"0002\.create-b\.rollback\.sql"):
        migrator.rollback(target, simple, steps=2, options=FAST)

    assert tables(empty_db) == {"a", "b", "c"}


def test_status_reports_applied_pending_changed_and_missing(empty_db: str, simple: Path) -> None:
    target = Target(empty_db, "test")
    migrator.migrate(target, simple, to="0002", options=FAST)
    (simple / "0001.create-a.sql").write_text("CREATE TABLE a (id bigint PRIMARY KEY);\n")
    (simple / "0002.create-b.sql").rename(simple / "0002.renamed-b.sql")
    (simple / "0002.create-b.rollback.sql").unlink()

    report = migrator.status(target, simple)

    states = {m.id: m.state for m in report.migrations}
    assert states == {
        "0001.create-a": "changed",
        "0002.create-b": "missing",
        "0002.renamed-b": "pending",
        "0003.create-c": "pending",
    }
    assert report.server_version
    assert {m.id for m in report.problems} == set(states)


def test_migrate_refuses_to_run_over_an_edited_migration(empty_db: str, simple: Path) -> None:
    target = Target(empty_db, "test")
    migrator.migrate(target, simple, to="0001", options=FAST)
    (simple / "0001.create-a.sql").write_text("CREATE TABLE a (id bigint PRIMARY KEY);\n")

    with pytest.raises(ChangedMigrations, match=r"0001\.create-a"):
        migrator.migrate(target, simple, options=FAST)
    assert tables(empty_db) == {"a"}

    migrator.migrate(target, simple, allow_changed=True, options=FAST)
    assert tables(empty_db) == {"a", "b", "c"}


def test_dry_run_returns_the_sql_and_changes_nothing(empty_db: str, simple: Path) -> None:
    report = migrator.migrate(Target(empty_db, "test"), simple, dry_run=True)

    assert [s.id for s in report.steps] == ["0001.create-a", "0002.create-b", "0003.create-c"]
    assert (
        report.steps[1].sql == "CREATE TABLE b (id int PRIMARY KEY);\n\nINSERT INTO b VALUES (1);"
    )
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT to_regnamespace('cmmsdb')").fetchone() == (None,)
    assert tables(empty_db) == set()


def test_ddl_waits_at_most_lock_timeout_then_retries_and_fails_cleanly(
    empty_db: str, simple: Path
) -> None:
    target = Target(empty_db, "test")
    migrator.migrate(target, simple, to="0001", options=FAST)
    write(simple, {"0002.create-b.sql": "ALTER TABLE a ADD COLUMN note text;\n"})
    retries: list[migrator.Progress] = []

    with psycopg.connect(empty_db) as blocker:
        blocker.execute("LOCK TABLE a IN ACCESS SHARE MODE")
        started = time.monotonic()
        with pytest.raises(MigrationFailed, match=r"could not take its locks within 0\.2s"):
            migrator.migrate(target, simple, options=FAST, on_progress=retries.append)
        elapsed = time.monotonic() - started

    assert [p.phase for p in retries if p.phase == "retry"] == ["retry"]
    assert elapsed < 5
    assert [row[0] for row in ledger_rows(empty_db)] == ["0001.create-a"]


def test_a_lock_released_during_the_retries_lets_the_migration_through(
    empty_db: str, simple: Path
) -> None:
    target = Target(empty_db, "test")
    migrator.migrate(target, simple, to="0001", options=FAST)
    write(simple, {"0002.create-b.sql": "ALTER TABLE a ADD COLUMN note text;\n"})
    blocker = psycopg.connect(empty_db)
    blocker.execute("LOCK TABLE a IN ACCESS SHARE MODE")
    threading.Timer(0.4, blocker.close).start()

    options = session.Options(lock_timeout=0.2, lock_retries=3, wait=5)
    report = migrator.migrate(target, simple, options=options)

    assert "0002.create-b" in [s.id for s in report.steps]


def test_second_migrator_times_out_after_wait_naming_the_holder(
    empty_db: str, simple: Path
) -> None:
    target = Target(empty_db, "test")
    with psycopg.connect(empty_db, autocommit=True, application_name="other-migrator") as holder:
        holder.execute("SELECT pg_advisory_lock(7236833568497074177)")
        with pytest.raises(LockTimeout, match="other-migrator"):
            migrator.migrate(target, simple, options=session.Options(wait=0.5))
    assert tables(empty_db) == set()


def test_read_only_target_is_refused_before_anything_changes(empty_db: str, simple: Path) -> None:
    with psycopg.connect(empty_db, autocommit=True) as conn:
        dbname = conn.info.dbname
        conn.execute(f'ALTER DATABASE "{dbname}" SET default_transaction_read_only = on')

    with pytest.raises(ReadOnlyTarget, match="read-only"):
        migrator.migrate(Target(empty_db, "test"), simple, options=FAST)
    with pytest.raises(ReadOnlyTarget):
        migrator.rollback(Target(empty_db, "test"), simple, options=FAST)


NON_TRANSACTIONAL = {
    "0001.create-a.sql": "CREATE TABLE a (id int PRIMARY KEY, v int);\n"
    "INSERT INTO a SELECT g, g FROM generate_series(1, 1000) AS g;\n",
    "0001.create-a.rollback.sql": "DROP TABLE a;\n",
    "0002.index-a.sql": "-- transactional: false\n"
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS a_v_idx ON a (v);\n"
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS a_v_id_idx ON a (v, id);\n",
    "0002.index-a.rollback.sql": "-- transactional: false\n"
    "DROP INDEX CONCURRENTLY IF EXISTS a_v_id_idx;\n"
    "DROP INDEX CONCURRENTLY IF EXISTS a_v_idx;\n",
}


def indexes(dsn: str) -> dict[str, bool]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = 'a'::regclass AND NOT i.indisprimary"
        ).fetchall()
    return dict(rows)


def test_non_transactional_migration_applies_and_rolls_back(empty_db: str, tmp_path: Path) -> None:
    folder = write(tmp_path / "nt", NON_TRANSACTIONAL)
    target = Target(empty_db, "test")

    report = migrator.migrate(target, folder, options=FAST)

    assert report.steps[1].transactional is False
    assert indexes(empty_db) == {"a_v_idx": True, "a_v_id_idx": True}
    assert ledger_rows(empty_db)[1] == ("0002.index-a", "applied", 2)
    migrator.rollback(target, folder, options=FAST)
    assert indexes(empty_db) == {}


def test_interrupted_non_transactional_migration_resumes_and_drops_its_invalid_index(
    empty_db: str, tmp_path: Path
) -> None:
    folder = write(tmp_path / "nt", NON_TRANSACTIONAL)
    target = Target(empty_db, "test")
    migrator.migrate(target, folder, to="0001", options=FAST)
    # What a kill during the second statement leaves: the first index built, progress
    # recorded as 1 statement done, and an INVALID index from the interrupted build.
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("CREATE INDEX a_v_idx ON a (v)")
        conn.execute(
            "INSERT INTO cmmsdb.applied_migrations (id, checksum, transactional, state,"
            " statements_done) VALUES ('0002.index-a', %s, false, 'partial', 1)",
            [checksum(folder / "0002.index-a.sql")],
        )
    with (
        psycopg.connect(empty_db, autocommit=True) as conn,
        pytest.raises(psycopg.errors.UniqueViolation),
    ):
        conn.execute("CREATE UNIQUE INDEX CONCURRENTLY a_v_id_idx ON a ((v % 2))")
    assert indexes(empty_db) == {"a_v_idx": True, "a_v_id_idx": False}
    assert migrator.status(target, folder).migrations[1].state == "partial"

    report = migrator.migrate(target, folder, options=FAST)

    assert [s.id for s in report.steps] == ["0002.index-a"]
    assert indexes(empty_db) == {"a_v_idx": True, "a_v_id_idx": True}
    assert ledger_rows(empty_db)[1] == ("0002.index-a", "applied", 2)


def run_cli(dsn: str, folder: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cmmsdb", *args, "--dsn", dsn, "--migrations", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_four_concurrent_migrators_apply_each_migration_once(empty_db: str, tmp_path: Path) -> None:
    files = {
        f"{n:04d}.create-t{n}.sql": f"CREATE TABLE t{n} (id int);\nSELECT pg_sleep(0.05);\n"
        for n in range(1, 9)
    }
    folder = write(tmp_path / "many", files)

    procs = [run_cli(empty_db, folder, "migrate") for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in procs]

    assert [p.returncode for p in procs] == [0, 0, 0, 0], outputs
    assert len(ledger_rows(empty_db)) == 8
    applies = [mid for mid, action in history(empty_db) if action == "apply"]
    assert sorted(applies) == sorted(name.removesuffix(".sql") for name in files)
    assert sum("up to date" in out for out, _ in outputs) >= 1


@pytest.mark.parametrize("transactional", [True, False])
def test_sigkill_mid_migration_leaves_a_database_the_next_migrate_completes(
    empty_db: str, tmp_path: Path, transactional: bool
) -> None:
    header = "" if transactional else "-- transactional: false\n"
    folder = write(
        tmp_path / "kill",
        {
            "0001.create-a.sql": "CREATE TABLE a (id int);\n",
            "0002.slow.sql": header + "CREATE TABLE b (id int);\nSELECT pg_sleep(30);\n"
            "CREATE TABLE c (id int);\n",
        },
    )
    proc = run_cli(empty_db, folder, "migrate")
    wait_for_query(empty_db, "pg_sleep")

    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    started = time.monotonic()
    (folder / "0002.slow.sql").write_text(
        header + "CREATE TABLE IF NOT EXISTS b (id int);\nSELECT 1;\nCREATE TABLE c (id int);\n"
    )
    rerun = run_cli(empty_db, folder, "migrate", "--allow-changed", "--wait", "20")
    _, err = rerun.communicate(timeout=60)

    assert rerun.returncode == 0, err
    assert time.monotonic() - started < 15
    assert tables(empty_db) == {"a", "b", "c"}
    assert [row[:2] for row in ledger_rows(empty_db)] == [
        ("0001.create-a", "applied"),
        ("0002.slow", "applied"),
    ]


def wait_for_query(dsn: str, text: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE query LIKE %s AND pid <> pg_backend_pid()",
                [f"%{text}%"],
            ).fetchone()
            if row and row[0]:
                return
            time.sleep(0.05)
    raise AssertionError(f"no query running {text!r} within {timeout}s")


# --- optional modules ------------------------------------------------------------------------

MAIN = {
    "0001.create-a.sql": "CREATE TABLE a (id int PRIMARY KEY);\n",
    "0001.create-a.rollback.sql": "DROP TABLE a;\n",
    "0002.create-b.sql": "CREATE TABLE b (id int PRIMARY KEY);\n",
    "0002.create-b.rollback.sql": "DROP TABLE b;\n",
}
MODULES = {
    "extra": {
        "0001.add-column-a-note.sql": "-- Adds a note to a.\n-- depends: 0001.create-a\n"
        "-- requires-extension: plpgsql\nALTER TABLE a ADD COLUMN note text;\n",
        "0001.add-column-a-note.rollback.sql": "ALTER TABLE a DROP COLUMN note;\n",
    },
    "broken": {
        "0001.create-table-c.sql": "-- requires-extension: plpgsql cmmsdb_missing_ext\n"
        "CREATE TABLE c (id int);\n",
        "0001.create-table-c.rollback.sql": "DROP TABLE c;\n",
    },
}
EXTRA_NOTE = "extra/0001.add-column-a-note"


@pytest.fixture
def main(tmp_path: Path) -> Path:
    """A main migrations folder with two optional modules beside it, in ../modules."""
    for name, files in MODULES.items():
        write(tmp_path / "project" / "modules" / name, files)
    return write(tmp_path / "project" / "migrations", MAIN)


def columns(dsn: str, table: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
            " AND NOT attisdropped ORDER BY attnum",
            [table],
        ).fetchall()
    return [name for (name,) in rows]


def catalog(dsn: str) -> dict[str, Any]:
    with psycopg.connect(dsn) as conn:
        return snapshot(conn)


def test_read_script_returns_the_required_extensions(main: Path) -> None:
    script = read_script(main.parent / "modules" / "broken" / "0001.create-table-c.sql")

    assert script.extensions == ("plpgsql", "cmmsdb_missing_ext")
    assert [s.sql for s in script.statements] == ["CREATE TABLE c (id int);"]
    assert read_script(main / "0001.create-a.sql").extensions == ()


def test_module_applies_after_the_main_folder_with_prefixed_ids(empty_db: str, main: Path) -> None:
    report = migrator.migrate(Target(empty_db, "test"), main, modules=["extra"], options=FAST)

    assert [s.id for s in report.steps] == ["0001.create-a", "0002.create-b", EXTRA_NOTE]
    assert [row[0] for row in ledger_rows(empty_db)] == [
        "0001.create-a",
        "0002.create-b",
        EXTRA_NOTE,
    ]
    assert columns(empty_db, "a") == ["id", "note"]


def test_status_lists_module_migrations_once_enabled(empty_db: str, main: Path) -> None:
    target = Target(empty_db, "test")
    assert EXTRA_NOTE not in {m.id for m in migrator.status(target, main).migrations}
    wanted = migrator.status(target, main, modules=["extra"])
    assert [(m.id, m.state) for m in wanted.migrations][-1] == (EXTRA_NOTE, "pending")

    migrator.migrate(target, main, modules=["extra"], options=FAST)
    module_file = main.parent / "modules" / "extra" / "0001.add-column-a-note.sql"
    module_file.write_text(module_file.read_text() + "-- an edit\n")

    states = [(m.id, m.state) for m in migrator.status(target, main).migrations]
    assert states == [
        ("0001.create-a", "applied"),
        ("0002.create-b", "applied"),
        (EXTRA_NOTE, "changed"),
    ]


def test_rollback_all_undoes_the_module_first_and_restores_the_catalog(
    empty_db: str, main: Path
) -> None:
    target = Target(empty_db, "test")
    before = catalog(empty_db)
    migrator.migrate(target, main, modules=["extra"], options=FAST)

    planned = migrator.rollback(target, main, everything=True, dry_run=True)
    report = migrator.rollback(target, main, everything=True, options=FAST)

    assert [s.id for s in planned.steps] == [s.id for s in report.steps]
    assert [s.id for s in report.steps] == [EXTRA_NOTE, "0002.create-b", "0001.create-a"]
    assert ledger_rows(empty_db) == []
    assert catalog(empty_db) == before


def test_rollback_of_the_module_alone_restores_the_main_schema(empty_db: str, main: Path) -> None:
    target = Target(empty_db, "test")
    migrator.migrate(target, main, options=FAST)
    main_only = catalog(empty_db)
    migrator.migrate(target, main, modules=["extra"], options=FAST)

    report = migrator.rollback(target, main, options=FAST)

    assert [s.id for s in report.steps] == [EXTRA_NOTE]
    assert catalog(empty_db) == main_only
    assert [row[0] for row in ledger_rows(empty_db)] == ["0001.create-a", "0002.create-b"]


def test_an_enabled_module_gets_its_new_migrations_without_being_named(
    empty_db: str, main: Path
) -> None:
    target = Target(empty_db, "test")
    migrator.migrate(target, main, modules=["extra"], options=FAST)
    write(
        main.parent / "modules" / "extra",
        {
            "0002.add-column-a-tag.sql": "ALTER TABLE a ADD COLUMN tag text;\n",
            "0002.add-column-a-tag.rollback.sql": "ALTER TABLE a DROP COLUMN tag;\n",
        },
    )

    report = migrator.migrate(target, main, options=FAST)

    assert [s.id for s in report.steps] == ["extra/0002.add-column-a-tag"]
    assert columns(empty_db, "a") == ["id", "note", "tag"]
    back = migrator.rollback(target, main, to="extra/0001", options=FAST)
    assert [s.id for s in back.steps] == ["extra/0002.add-column-a-tag"]
    assert columns(empty_db, "a") == ["id", "note"]
    again = migrator.migrate(target, main, to="extra/0002", options=FAST)
    assert [s.id for s in again.steps] == ["extra/0002.add-column-a-tag"]


def test_unknown_module_names_the_available_ones(empty_db: str, main: Path) -> None:
    with pytest.raises(UnknownModule) as error:
        migrator.migrate(Target(empty_db, "test"), main, modules=["nope"], options=FAST)

    assert error.value.message == "unknown module 'nope'; available modules: broken, extra"
    with pytest.raises(UnknownModule):
        migrator.status(Target(empty_db, "test"), main, modules=["nope"])
    assert tables(empty_db) == set()


def test_to_with_modules_is_refused(empty_db: str, main: Path) -> None:
    with pytest.raises(ConfigurationError, match="--to cannot be combined with --with"):
        migrator.migrate(Target(empty_db, "test"), main, modules=["extra"], to="0001")


def test_missing_extension_is_refused_before_anything_is_applied(empty_db: str, main: Path) -> None:
    target = Target(make_conninfo(empty_db, password="S3cretPw"), "test")
    migrator.migrate(target, main, to="0001", options=FAST)
    ledger_before, history_before, catalog_before = (
        ledger_rows(empty_db),
        history(empty_db),
        catalog(empty_db),
    )

    with pytest.raises(ExtensionUnavailable) as error:
        migrator.migrate(target, main, modules=["extra", "broken"], options=FAST)

    message = error.value.message
    assert "extension cmmsdb_missing_ext is not available on" in message
    assert "broken/0001.create-table-c requires it" in message
    assert target.display in message
    assert "S3cretPw" not in f"{message} {error.value.hint}"
    assert str(error.value.hint).endswith("or migrate without --with broken")
    assert ledger_rows(empty_db) == ledger_before
    assert history(empty_db) == history_before
    assert catalog(empty_db) == catalog_before
    with pytest.raises(ExtensionUnavailable):
        migrator.migrate(target, main, modules=["broken"], dry_run=True)


def test_missing_extension_on_a_fresh_database_creates_not_even_the_ledger(
    empty_db: str, main: Path
) -> None:
    with pytest.raises(ExtensionUnavailable):
        migrator.migrate(Target(empty_db, "test"), main, modules=["broken"], options=FAST)

    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT to_regnamespace('cmmsdb')").fetchone() == (None,)
    assert tables(empty_db) == set()
