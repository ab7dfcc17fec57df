"""migrate, rollback and status as a user runs them: exit codes, messages, and what changed."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from cmmsdb import local
from tests import rows
from tests.conftest import MIGRATIONS, Server
from tests.test_migrator import EXTRA_NOTE, MAIN, MODULES, wait_for_query, write


def schemas(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'cmms%'")
        return {name for (name,) in rows}


def assert_one_clean_error(run, needle: str) -> None:
    assert run.exit_code == 2, (run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2, run.stderr
    assert lines[0].startswith("error: ")
    assert needle in run.stderr
    assert "Traceback" not in run.stderr


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, copy)
    return copy


def test_help_works_both_ways(cli) -> None:
    for args in (["--help"], ["migrate", "--help"], ["local", "--help"]):
        run = cli(*args)
        assert run.exit_code == 0
        assert "Usage" in run.stdout


def test_migrate_status_rollback_round_trip(cli, empty_db: str) -> None:
    migrate = cli("migrate", "--dsn", empty_db)
    assert migrate.exit_code == 0, migrate.stderr
    assert "applying 0001.create-schema ... done in" in migrate.stdout
    assert schemas(empty_db) == {"cmms", "cmms_archive", "cmms_ext", "cmmsdb"}

    status = cli("status", "--dsn", empty_db, "--json", "--exit-code")
    assert status.exit_code == 0
    report = json.loads(status.stdout)
    assert {m["state"] for m in report["migrations"]} == {"applied"}
    assert report["server_version"]

    rollback = cli("rollback", "--all", "--dsn", empty_db)
    assert rollback.exit_code == 0, rollback.stderr
    assert schemas(empty_db) == {"cmmsdb"}
    pending = cli("status", "--dsn", empty_db, "--exit-code")
    assert pending.exit_code == 1
    assert "pending" in pending.stdout


def test_dry_run_prints_the_sql_and_changes_nothing(cli, empty_db: str) -> None:
    run = cli("migrate", "--dry-run", "--dsn", empty_db)

    assert run.exit_code == 0, run.stderr
    assert "CREATE TABLE cmms.organizations" in run.stdout
    assert "nothing was changed" in run.stdout
    assert schemas(empty_db) == set()


def test_rollback_dry_run_changes_nothing(cli, migrated_db: str) -> None:
    run = cli("rollback", "--all", "--dry-run", "--dsn", migrated_db)

    assert run.exit_code == 0, run.stderr
    assert "DROP SCHEMA cmms" in run.stdout
    assert schemas(migrated_db) == {"cmms", "cmms_archive", "cmms_ext", "cmmsdb"}


def test_edited_migration_is_reported_changed(cli, empty_db: str, folder: Path) -> None:
    assert cli("migrate", "--dsn", empty_db, "--migrations", str(folder)).exit_code == 0
    path = folder / "0003.create-table-organizations.sql"
    path.write_text(path.read_text() + "\n-- an innocent-looking edit\n")

    run = cli("status", "--dsn", empty_db, "--migrations", str(folder), "--exit-code", "--json")

    assert run.exit_code == 1
    states = {m["id"]: m["state"] for m in json.loads(run.stdout)["migrations"]}
    assert states["0003.create-table-organizations"] == "changed"
    assert_one_clean_error(
        cli("migrate", "--dsn", empty_db, "--migrations", str(folder)), "were edited"
    )


def test_migrations_folder_from_environment(cli, empty_db: str, folder: Path) -> None:
    (folder / "0006.create-table-extra.sql").write_text("CREATE TABLE cmms.extra (id int);\n")

    run = cli("migrate", "--dsn", empty_db, env={"CMMSDB_MIGRATIONS": str(folder)})

    assert run.exit_code == 0, run.stderr
    assert "0006.create-table-extra" in run.stdout


def test_dsn_from_cmmsdb_dsn_and_database_url(cli, empty_db: str) -> None:
    assert cli("status", env={"CMMSDB_DSN": empty_db}).exit_code == 0
    run = cli("status", "--json", env={"DATABASE_URL": empty_db})
    assert run.exit_code == 0
    assert "embedded" not in run.stderr


def test_no_target_uses_the_embedded_local_server(cli) -> None:
    run = cli("migrate")

    assert run.exit_code == 0, run.stderr
    assert "embedded local server" in run.stderr
    assert "data:" in run.stderr
    status = cli("status", "--exit-code")
    assert status.exit_code == 0, status.stdout + status.stderr


@pytest.mark.parametrize("dsn", ["garbage here", "postgresql://u:pw@127.0.0.1:notaport/db"])
def test_malformed_dsn(cli, dsn: str) -> None:
    run = cli("status", "--dsn", dsn)
    assert_one_clean_error(run, "malformed connection string")
    assert ":pw@" not in run.stderr


def test_wrong_password_never_shows_the_password(cli, embedded_server: Server) -> None:
    with embedded_server.connect() as conn:
        conn.execute("DROP ROLE IF EXISTS cmmsdb_cli_pw")
        conn.execute("CREATE ROLE cmmsdb_cli_pw LOGIN PASSWORD 'right-one'")
        port = conn.execute("SHOW port").fetchone()[0]

    run = cli("migrate", "--dsn", f"postgresql://cmmsdb_cli_pw:Wr0ngPass@127.0.0.1:{port}/postgres")

    assert_one_clean_error(run, "password authentication failed")
    assert "Wr0ngPass" not in run.stderr + run.stdout
    assert ":***@" in run.stderr


def test_unreachable_server(cli) -> None:
    run = cli("status", "--dsn", "postgresql://u@127.0.0.1:1/db", "--connect-timeout", "2")
    assert_one_clean_error(run, "cannot connect")


def test_missing_database_then_create_db(cli, pg_server: Server) -> None:
    dsn = pg_server.dsn_for("cmmsdb_cli_created")
    try:
        assert_one_clean_error(cli("migrate", "--dsn", dsn), "--create-db")
        run = cli("migrate", "--dsn", dsn, "--create-db")
        assert run.exit_code == 0, run.stderr
        assert "cmms" in schemas(dsn)
    finally:
        with pg_server.connect() as conn:
            conn.execute("DROP DATABASE IF EXISTS cmmsdb_cli_created WITH (FORCE)")


def test_role_without_privilege(cli, empty_db: str, pg_server: Server) -> None:
    with pg_server.connect() as conn:
        conn.execute("DROP ROLE IF EXISTS cmmsdb_noprivs")
        conn.execute("CREATE ROLE cmmsdb_noprivs LOGIN")
    dsn = psycopg.conninfo.make_conninfo(empty_db, user="cmmsdb_noprivs")
    try:
        assert_one_clean_error(cli("migrate", "--dsn", dsn), "cannot create cmmsdb's bookkeeping")
    finally:
        with pg_server.connect() as conn:
            conn.execute("DROP ROLE cmmsdb_noprivs")


def test_read_only_target(cli, empty_db: str) -> None:
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{conn.info.dbname}" SET default_transaction_read_only = on')

    assert_one_clean_error(cli("migrate", "--dsn", empty_db), "read-only")
    assert_one_clean_error(cli("rollback", "--dsn", empty_db), "read-only")


def test_sql_error_names_file_line_and_message(cli, empty_db: str, folder: Path) -> None:
    (folder / "0006.break.sql").write_text(
        "CREATE TABLE cmms.ok (id int);\n\nSELECT no_such_column\nFROM cmms.ok;\n"
    )

    run = cli("migrate", "--dsn", empty_db, "--migrations", str(folder))

    assert_one_clean_error(run, '0006.break.sql:3: column "no_such_column" does not exist')
    assert "0005.create-table-user-sessions" in run.stderr
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT to_regclass('cmms.ok')").fetchone() == (None,)
        assert conn.execute("SELECT count(*) FROM cmmsdb.applied_migrations").fetchone() == (5,)


def test_a_misspelt_statement_is_a_syntax_error_not_skipped(
    cli, empty_db: str, folder: Path
) -> None:
    (folder / "0006.break.sql").write_text(
        "CREATE TABLE cmms.ok (id int);\n-- a typo:\nCRATE TABLE cmms.typo (id int);\n"
    )

    run = cli("migrate", "--dsn", empty_db, "--migrations", str(folder))

    assert_one_clean_error(run, '0006.break.sql:3: syntax error at or near "CRATE"')
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT to_regclass('cmms.ok')").fetchone() == (None,)


def test_traceback_only_on_request(cli) -> None:
    run = cli("--traceback", "status", "--dsn", "garbage here")
    assert run.exit_code == 2
    assert "Traceback" in run.stderr


def test_rollback_missing_rollback_file(cli, empty_db: str, folder: Path) -> None:
    assert cli("migrate", "--dsn", empty_db, "--migrations", str(folder)).exit_code == 0
    (folder / "0005.create-table-user-sessions.rollback.sql").unlink()

    run = cli("rollback", "--to", "0004", "--dsn", empty_db, "--migrations", str(folder))

    assert_one_clean_error(run, "0005.create-table-user-sessions.rollback.sql")
    assert "user_sessions" in {r for r in tables_in(empty_db, "cmms")}


def tables_in(dsn: str, schema: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
        return {name for (name,) in rows}


def test_missing_and_empty_migrations_folder(cli, empty_db: str, tmp_path: Path) -> None:
    assert_one_clean_error(
        cli("migrate", "--dsn", empty_db, "--migrations", str(tmp_path / "nope")), "does not exist"
    )
    (tmp_path / "empty").mkdir()
    assert_one_clean_error(
        cli("migrate", "--dsn", empty_db, "--migrations", str(tmp_path / "empty")),
        "holds no migration",
    )


def test_lock_held_longer_than_wait(cli, empty_db: str) -> None:
    with psycopg.connect(empty_db, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(7236833568497074177)")
        run = cli("migrate", "--dsn", empty_db, "--wait", "1")
    assert_one_clean_error(run, "held the migration lock for more than 1s")


def test_lock_waits_never_queue_the_application_more_than_a_second(
    cli, empty_db: str, tmp_path: Path
) -> None:
    folder = write(
        tmp_path / "locks",
        {
            "0001.create-a.sql": "CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n",
            "0002.add-column-a-note.sql": "ALTER TABLE a ADD COLUMN note text;\n",
        },
    )
    assert (
        cli("migrate", "--dsn", empty_db, "--migrations", str(folder), "--to", "0001").exit_code
        == 0
    )
    waits: list[float] = []
    stop = threading.Event()

    def application() -> None:  # the application's queries on the table, one at a time
        with psycopg.connect(empty_db, autocommit=True) as conn:
            while not stop.is_set():
                started = time.monotonic()
                conn.execute("SELECT count(*) FROM a").fetchone()
                waits.append(time.monotonic() - started)
                time.sleep(0.02)

    with psycopg.connect(empty_db) as long_transaction:
        long_transaction.execute("SELECT count(*) FROM a")  # holds its lock until the end
        queries = threading.Thread(target=application)
        queries.start()
        try:
            run = cli(
                "migrate", "--dsn", empty_db, "--migrations", str(folder), "--lock-retries", "4"
            )
        finally:
            stop.set()
            queries.join()

    assert_one_clean_error(run, "0002.add-column-a-note: could not take its locks within 1s in 5")
    assert 0.5 < max(waits) < 1.5, sorted(waits)[-5:]
    with psycopg.connect(empty_db) as conn:
        ledger = conn.execute("SELECT id FROM cmmsdb.applied_migrations").fetchall()
        note = conn.execute("SELECT count(*) FROM pg_attribute WHERE attname = 'note'").fetchone()
    assert ledger == [("0001.create-a",)]
    assert note == (0,)


def terminate_when_running(dsn: str, text: str) -> threading.Thread:
    """In the background: wait for a query running `text`, then end its backend, as a
    server crash or an administrator would."""

    def terminate() -> None:
        wait_for_query(dsn, text)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE query LIKE %s AND pid <> pg_backend_pid()",
                [f"%{text}%"],
            )

    thread = threading.Thread(target=terminate)
    thread.start()
    return thread


@pytest.mark.parametrize("transactional", [True, False])
def test_the_server_closing_the_connection_is_not_blamed_on_the_migration(
    cli, empty_db: str, tmp_path: Path, transactional: bool
) -> None:
    header = "" if transactional else "-- transactional: false\n"
    folder = write(
        tmp_path / "gone",
        {
            "0001.create-a.sql": "CREATE TABLE a (seconds float8);\nINSERT INTO a VALUES (60);\n",
            "0002.slow.sql": f"{header}CREATE TABLE b (id int);\n"
            "SELECT pg_sleep(seconds) FROM a;\nCREATE TABLE c (id int);\n",
        },
    )
    args = ("migrate", "--dsn", empty_db, "--migrations", str(folder))
    assert cli(*args, "--to", "0001").exit_code == 0
    terminator = terminate_when_running(empty_db, "pg_sleep(seconds)")

    run = cli(*args)
    terminator.join()

    assert_one_clean_error(run, "the server closed the connection while applying 0002.slow")
    assert "fix it" not in run.stderr
    assert "run `cmmsdb migrate` again" in run.stderr
    if transactional:
        assert "0002.slow was rolled back" in run.stderr
        assert tables_in(empty_db, "public") == {"a"}
    else:
        assert "0002.slow is recorded as partial: 1 of its 3 statements ran and" in run.stderr
        assert tables_in(empty_db, "public") == {"a", "b"}
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("UPDATE a SET seconds = 0")
    rerun = cli(*args)
    assert rerun.exit_code == 0, rerun.stderr
    assert tables_in(empty_db, "public") == {"a", "b", "c"}


def test_the_server_closing_the_connection_mid_rollback_says_what_is_still_applied(
    cli, empty_db: str, tmp_path: Path
) -> None:
    folder = write(
        tmp_path / "gone",
        {
            "0001.create-a.sql": "CREATE TABLE a (id int);\n",
            "0001.create-a.rollback.sql": "DROP TABLE a;\n",
            "0002.create-b.sql": "CREATE TABLE b (id int);\n",
            "0002.create-b.rollback.sql": "DROP TABLE b;\nSELECT pg_sleep(60);\n",
        },
    )
    args = ("--dsn", empty_db, "--migrations", str(folder))
    assert cli("migrate", *args).exit_code == 0
    terminator = terminate_when_running(empty_db, "pg_sleep(60)")

    run = cli("rollback", "--all", *args)
    terminator.join()

    assert_one_clean_error(
        run, "while rolling back 0002.create-b (terminating connection due to administrator"
    )
    assert "the rollback of 0002.create-b was undone: it is still applied" in run.stderr
    assert tables_in(empty_db, "public") == {"a", "b"}


def test_the_server_closing_the_connection_while_waiting_for_the_lock(
    cli, empty_db: str, tmp_path: Path
) -> None:
    folder = write(tmp_path / "wait", {"0001.create-a.sql": "CREATE TABLE a (id int);\n"})
    with psycopg.connect(empty_db, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(7236833568497074177)")
        terminator = terminate_when_running(empty_db, "pg_try_advisory_lock")
        run = cli("migrate", "--dsn", empty_db, "--migrations", str(folder), "--wait", "60")
        terminator.join()

    assert_one_clean_error(run, "the server closed the connection (")
    assert "while no migration was running" in run.stderr
    assert "run `cmmsdb migrate` again" in run.stderr


def without_terminal(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m cmmsdb ARGS` with stdin not a terminal (as from cron or CI)."""
    environ = {k: v for k, v in os.environ.items() if k not in ("CMMSDB_DSN", "DATABASE_URL")}
    environ["PYTHONPATH"] = str(MIGRATIONS.parent.parent)
    return subprocess.run(
        [sys.executable, "-m", "cmmsdb", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environ,
        timeout=120,
    )


def test_a_rollback_that_drops_rows_refuses_in_one_line_naming_yes(
    cli, migrated_db: str, admin: psycopg.Connection, tmp_path: Path
) -> None:
    org = rows.new_org(admin)
    for _ in range(3):
        rows.make_row(admin, "part_transactions", org)
    args = ("rollback", "--to", "0051", "--dsn", migrated_db)

    refused = without_terminal(*args, cwd=tmp_path)
    assert refused.returncode == 2, refused.stderr
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith("error: the rollback would drop ")
    assert "cmms.part_transactions (3 rows)" in line
    assert "--yes" in line
    assert "part_transactions" in tables_in(migrated_db, "cmms")

    as_json = without_terminal(*args, "--json", cwd=tmp_path)
    assert as_json.returncode == 2
    document = json.loads(as_json.stdout)
    assert document["refused"] is True
    assert {
        "migration": "0052.create-table-part-transactions",
        "object": "cmms.part_transactions",
        "kind": "table",
        "rows": 3,
    } in document["data_loss"]

    dry_run = without_terminal(*args, "--dry-run", cwd=tmp_path)
    assert dry_run.returncode == 0
    assert "-- it would drop data, and refuse without --yes:" in dry_run.stdout
    assert "--   cmms.part_transactions (3 rows)  (0052.create-table-part-transactions)" in (
        dry_run.stdout
    )
    planned = json.loads(without_terminal(*args, "--dry-run", "--json", cwd=tmp_path).stdout)
    assert planned["data_loss"] == document["data_loss"]
    assert "part_transactions" in tables_in(migrated_db, "cmms")

    done = without_terminal(*args, "--yes", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "dropped data: " in done.stdout
    assert "cmms.part_transactions (3 rows)" in done.stdout
    assert "part_transactions" not in tables_in(migrated_db, "cmms")


def on_a_terminal(*args: str, answer: bytes) -> tuple[int, str]:
    """`python -m cmmsdb ARGS` on a pseudo-terminal: answer its question, return its exit
    code and everything it wrote."""
    environ = {k: v for k, v in os.environ.items() if k not in ("CMMSDB_DSN", "DATABASE_URL")}
    environ["PYTHONPATH"] = str(MIGRATIONS.parent.parent)
    pid, fd = pty.fork()
    if pid == 0:  # the child: the CLI, on the terminal
        os.execve(sys.executable, [sys.executable, "-m", "cmmsdb", *args], environ)
    output = b""
    deadline = time.monotonic() + 60
    while b"Drop it?" not in output and time.monotonic() < deadline:
        output += os.read(fd, 4096)
    os.write(fd, answer + b"\n")
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child exited and closed the terminal
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode()


def test_on_a_terminal_a_rollback_that_drops_rows_asks_first(
    migrated_db: str, admin: psycopg.Connection
) -> None:
    rows.make_row(admin, "part_transactions", rows.new_org(admin))
    args = ("rollback", "--to", "0051", "--dsn", migrated_db)

    declined, output = on_a_terminal(*args, answer=b"n")

    assert declined == 2, output
    assert "the rollback would drop data:" in output
    assert "cmms.part_transactions (1 row)  (0052.create-table-part-transactions)" in output
    assert "part_transactions" in tables_in(migrated_db, "cmms")

    confirmed, output = on_a_terminal(*args, answer=b"y")

    assert confirmed == 0, output
    assert "part_transactions" not in tables_in(migrated_db, "cmms")


def test_conflicting_rollback_options_are_a_usage_error(cli, empty_db: str) -> None:
    run = cli("rollback", "--all", "--steps", "2", "--dsn", empty_db)
    assert run.exit_code == 2
    assert "choose one of" in run.stderr


@pytest.fixture
def standby(embedded_server: Server, local_home: Path) -> Iterator[str]:
    """A real streaming standby of the embedded test server, started with cmmsdb.local."""
    primary = local.status(local_home)
    home = Path(tempfile.mkdtemp(prefix="cmmsdb-standby-"))
    home.chmod(0o755)
    account = local._server_account()
    local._make_private_dir(home / "pgdata", account)
    bin_dir = local._binaries(home, account) / "bin"
    args = [str(bin_dir / "pg_basebackup"), "-D", str(home / "pgdata"), "-R", "-X", "stream"]
    args += ["-c", "fast", "-U", "postgres", "-h", str(primary.socket_dir), "-p", str(primary.port)]
    with tempfile.TemporaryFile() as out:
        assert local._run(args, account, out, timeout=120) == 0, local._read_all(out)
    server, _ = local.start(home)
    yield server.url()
    local.stop(home)
    shutil.rmtree(home, ignore_errors=True)


def test_read_only_standby_is_refused_before_anything_changes(cli, standby: str) -> None:
    with psycopg.connect(standby) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)

    assert_one_clean_error(cli("migrate", "--dsn", standby), "read-only standby")
    assert_one_clean_error(cli("rollback", "--all", "--dsn", standby), "read-only standby")
    assert cli("status", "--dsn", standby).exit_code == 0


# --- optional modules ------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small migrations folder with the modules `extra` and `broken` beside it."""
    for name, files in MODULES.items():
        write(tmp_path / "project" / "modules" / name, files)
    return write(tmp_path / "project" / "migrations", MAIN)


def test_migrate_with_a_module_then_status_and_rollback(cli, empty_db: str, project: Path) -> None:
    target = ("--dsn", empty_db, "--migrations", str(project))
    dry = cli("migrate", "--with", "extra", "--dry-run", *target)
    assert dry.exit_code == 0, dry.stderr
    assert f"-- migrate {EXTRA_NOTE} (transactional)\nALTER TABLE a ADD COLUMN note text;" in (
        dry.stdout
    )
    assert "would apply 3 migrations" in dry.stdout
    wanted = json.loads(cli("status", "--with", "extra", "--json", *target).stdout)
    assert wanted["migrations"][-1]["id"] == EXTRA_NOTE

    run = cli("migrate", "--with", "extra", *target)

    assert run.exit_code == 0, run.stderr
    assert f"applying {EXTRA_NOTE} ... done in" in run.stdout
    status = cli("status", "--json", "--exit-code", *target)
    assert status.exit_code == 0, status.stdout
    assert [(m["id"], m["state"]) for m in json.loads(status.stdout)["migrations"]] == [
        ("0001.create-a", "applied"),
        ("0002.create-b", "applied"),
        (EXTRA_NOTE, "applied"),
    ]
    rollback = cli("rollback", "--all", *target)
    assert rollback.exit_code == 0, rollback.stderr
    assert rollback.stdout.index(EXTRA_NOTE) < rollback.stdout.index("0002.create-b")
    assert tables_in(empty_db, "public") == set()


def test_an_enabled_module_is_migrated_without_with(cli, empty_db: str, project: Path) -> None:
    target = ("--dsn", empty_db, "--migrations", str(project))
    assert cli("migrate", "--with", "extra", *target).exit_code == 0
    write(
        project.parent / "modules" / "extra",
        {"0002.create-table-d.sql": "CREATE TABLE d (id int);\n"},
    )

    run = cli("migrate", *target)

    assert run.exit_code == 0, run.stderr
    assert "applying extra/0002.create-table-d ... done in" in run.stdout
    assert "applied 1 migration" in run.stdout


def test_unknown_module(cli, empty_db: str, project: Path) -> None:
    for command in ("migrate", "status"):
        run = cli(command, "--with", "nope", "--dsn", empty_db, "--migrations", str(project))
        assert_one_clean_error(run, "unknown module 'nope'; available modules: broken, extra")
    assert schemas(empty_db) == set()


def test_to_with_with_is_a_usage_error(cli, empty_db: str, project: Path) -> None:
    run = cli(
        "migrate",
        "--with",
        "extra",
        "--to",
        "0001",
        "--dsn",
        empty_db,
        "--migrations",
        str(project),
    )

    assert_one_clean_error(run, "--to cannot be combined with --with")
    assert schemas(empty_db) == set()


def test_missing_extension_applies_nothing(cli, empty_db: str, project: Path) -> None:
    dsn = psycopg.conninfo.make_conninfo(empty_db, password="S3cretPw")

    run = cli("migrate", "--with", "broken", "--dsn", dsn, "--migrations", str(project))

    assert_one_clean_error(run, "extension cmmsdb_missing_ext is not available on")
    assert "broken/0001.create-table-c requires it; nothing was applied" in run.stderr
    assert "or migrate without --with broken" in run.stderr
    assert "S3cretPw" not in run.stderr
    assert "***" in run.stderr
    assert schemas(empty_db) == set()
    assert tables_in(empty_db, "public") == set()
