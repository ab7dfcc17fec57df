"""cmmsdb verify as a user runs it: exit 0 when clean, 1 with one line per finding, 2 on
errors; --json gives the same findings as data."""

from __future__ import annotations

import json

from psycopg.conninfo import make_conninfo

from tests.cli.test_migrations import assert_one_clean_error


def test_a_clean_database_exits_0(cli, migrated_db: str) -> None:
    run = cli("verify", "--dsn", migrated_db)
    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith("ok: 25 rules hold on ")


def test_findings_exit_1_one_line_each_naming_object_and_rule(cli, admin, migrated_db) -> None:
    admin.execute("ALTER TABLE cmms.teams NO FORCE ROW LEVEL SECURITY")
    admin.execute("COMMENT ON TABLE cmms.tags IS NULL")
    run = cli("verify", "--dsn", migrated_db)
    assert run.exit_code == 1
    assert run.stdout.splitlines() == [
        "cmms.teams: row-level security is enabled but not forced [rls-forced]",
        "cmms.tags: table has no comment [comment]",
        f"2 findings (2 rules broken) on {migrated_db}",
    ]


def test_json_lists_the_findings(cli, admin, migrated_db: str) -> None:
    admin.execute("ALTER TABLE cmms.teams NO FORCE ROW LEVEL SECURITY")
    run = cli("verify", "--dsn", migrated_db, "--json")
    assert run.exit_code == 1
    document = json.loads(run.stdout)
    assert document["ok"] is False
    assert document["findings"] == [
        {
            "rule": "rls-forced",
            "object": "cmms.teams",
            "message": "row-level security is enabled but not forced",
        }
    ]
    assert "checksum" in document["rules"]


def test_json_of_a_clean_database(cli, migrated_db: str) -> None:
    run = cli("verify", "--dsn", migrated_db, "--json")
    assert run.exit_code == 0
    assert json.loads(run.stdout)["findings"] == []


def test_an_unmigrated_database_exits_2(cli, empty_db: str) -> None:
    assert_one_clean_error(cli("verify", "--dsn", empty_db), "has no schema cmms")


def test_an_unreachable_server_exits_2_without_the_password(cli) -> None:
    dsn = make_conninfo("postgresql://u:secret@127.0.0.1:1/db", connect_timeout=1)
    run = cli("verify", "--dsn", dsn)
    assert_one_clean_error(run, "cannot")
    assert "secret" not in run.stderr
