"""cmmsdb history as a user runs it: a table oldest first, or --json for machines."""

from __future__ import annotations

import json

from psycopg.conninfo import make_conninfo


def test_history_shows_applies_and_rollbacks_with_role_and_time(cli, empty_db: str) -> None:
    assert cli("migrate", "--dsn", empty_db, "--to", "0002").exit_code == 0
    assert cli("rollback", "--dsn", empty_db).exit_code == 0

    run = cli("history", "--dsn", empty_db)

    assert run.exit_code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[2].split() == ["at", "action", "migration", "by", "took", "detail"]
    rows = [line.split()[2:5] for line in lines[3:6]]
    assert rows == [
        ["apply", "0001.create-schema", "postgres"],
        ["apply", "0002.create-function-set-updated-at", "postgres"],
        ["rollback", "0002.create-function-set-updated-at", "postgres"],
    ]
    assert all(line.split()[5:7][1] == "s" for line in lines[3:6])  # "0.01 s"
    assert lines[-1] == "3 events"


def test_history_json(cli, empty_db: str) -> None:
    assert cli("migrate", "--dsn", empty_db, "--to", "0001").exit_code == 0

    run = cli("history", "--dsn", empty_db, "--json")

    assert run.exit_code == 0, run.stderr
    report = json.loads(run.stdout)
    assert set(report) == {"target", "events"}
    (event,) = report["events"]
    assert set(event) == {"at", "action", "id", "by", "duration_ms", "checksum", "detail"}
    assert (event["action"], event["id"], event["by"]) == (
        "apply",
        "0001.create-schema",
        "postgres",
    )
    assert isinstance(event["duration_ms"], int)


def test_history_of_a_database_never_migrated(cli, empty_db: str) -> None:
    run = cli("history", "--dsn", empty_db)

    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith("no history: cmmsdb never migrated ")


def test_a_role_without_privilege_on_the_ledger_is_told_the_grant(
    cli, migrated_db: str, admin
) -> None:
    admin.execute("DROP ROLE IF EXISTS cmmsdb_cli_nobody")
    admin.execute("CREATE ROLE cmmsdb_cli_nobody LOGIN")
    try:
        for command in ("history", "status", "migrate"):
            run = cli(command, "--dsn", make_conninfo(migrated_db, user="cmmsdb_cli_nobody"))
            assert run.exit_code == 2, run.stderr
            assert "permission denied for schema cmmsdb" in run.stderr
            assert "GRANT USAGE ON SCHEMA cmmsdb TO cmmsdb_cli_nobody" in run.stderr
            assert "looks like a bug" not in run.stderr
    finally:
        admin.execute("DROP ROLE cmmsdb_cli_nobody")
