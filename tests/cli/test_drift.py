"""cmmsdb drift and cmmsdb snapshot as a user runs them: exit 0 without drift, 1 with one
line per difference, 2 when no comparison is possible; --json gives the same as data."""

from __future__ import annotations

import json
from pathlib import Path

from cmmsdb import migrator
from cmmsdb.target import Target
from tests.cli.test_migrations import assert_one_clean_error
from tests.conftest import MIGRATIONS, Server


def test_no_drift_exits_0(cli, migrated_db: str) -> None:
    run = cli("drift", "--dsn", migrated_db)
    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith(f"no drift: {migrated_db} against ")


def test_drift_exits_1_with_one_line_per_difference(cli, admin, migrated_db: str) -> None:
    admin.execute("ALTER TABLE cmms.organizations ALTER COLUMN timezone DROP NOT NULL")
    admin.execute("DROP POLICY teams_delete ON cmms.teams")
    run = cli("drift", "--dsn", migrated_db)
    assert run.exit_code == 1
    assert run.stdout.splitlines()[:2] == [
        "cmms.organizations.timezone: not_null true -> false",
        "policy cmms.teams.teams_delete: missing",
    ]
    assert run.stdout.splitlines()[2].startswith(f"2 differences: {migrated_db} against ")


def test_json_gives_the_differences_as_data(cli, admin, migrated_db: str) -> None:
    admin.execute("DROP POLICY teams_delete ON cmms.teams")
    run = cli("drift", "--dsn", migrated_db, "--json")
    assert run.exit_code == 1
    document = json.loads(run.stdout)
    assert document["ok"] is False
    assert document["differences"][0]["line"] == "policy cmms.teams.teams_delete: missing"
    assert document["differences"][0]["change"] == "missing"
    assert document["differences"][0]["kind"] == "policy"


def test_pending_migrations_exit_2_and_suggest_a_scratch_database(cli, empty_db: str) -> None:
    migrator.migrate(Target(empty_db, "test"), MIGRATIONS, to="0005")
    run = cli("drift", "--dsn", empty_db)
    assert_one_clean_error(run, "pending")
    assert "--scratch" in run.stderr


def test_scratch_dsn_compares_with_a_database_migrated_like_the_target(
    cli, empty_db: str, pg_server: Server
) -> None:
    migrator.migrate(Target(empty_db, "test"), MIGRATIONS, to="0005")
    run = cli("drift", "--dsn", empty_db, "--scratch-dsn", pg_server.dsn, "--json")
    assert run.exit_code == 0, run.stderr
    document = json.loads(run.stdout)
    assert (document["ok"], document["migrations"]) == (True, 5)


def test_snapshot_writes_then_checks_the_file(cli, pg_server: Server, tmp_path: Path) -> None:
    output = tmp_path / "schema.json"
    run = cli("snapshot", "--scratch-dsn", pg_server.dsn, "--output", str(output))
    assert run.exit_code == 0, run.stderr
    assert output.read_text() == (MIGRATIONS.parent / "schema.json").read_text()
    check = cli("snapshot", "--scratch-dsn", pg_server.dsn, "--output", str(output), "--check")
    assert (check.exit_code, check.stdout.strip()) == (0, f"{output} is current")
    output.write_text("{}\n")
    stale = cli("snapshot", "--scratch-dsn", pg_server.dsn, "--output", str(output), "--check")
    assert stale.exit_code == 1
    assert "is not current: run `cmmsdb snapshot`" in stale.stderr
    assert output.read_text() == "{}\n"


def test_a_never_migrated_target_exits_2(cli, empty_db: str) -> None:
    assert_one_clean_error(cli("drift", "--dsn", empty_db), "never migrated")
