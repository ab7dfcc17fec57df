"""cmmsdb baseline as a user runs it: after `yoyo apply`, baseline adopts the database and
status and migrate find nothing to do; a schema that differs exits 1 with the differences."""

from __future__ import annotations

import json

import psycopg

from tests.conftest import MIGRATIONS
from tests.test_baselining import MAIN, built_without_cmmsdb, recorded, yoyo


def test_after_yoyo_apply_baseline_adopts_the_database(cli, empty_db: str) -> None:
    yoyo(empty_db, "apply")
    pending = cli("status", "--dsn", empty_db, "--exit-code")
    assert pending.exit_code == 1
    assert f"{len(MAIN)} pending" in pending.stdout

    run = cli("baseline", "--dsn", empty_db)

    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith(
        f"baselined {len(MAIN)} migrations (applied by yoyo, per public._yoyo_migration) "
        "without running them; the schema matched "
    )
    status = cli("status", "--dsn", empty_db, "--exit-code")
    assert status.exit_code == 0, status.stdout
    migrate = cli("migrate", "--dsn", empty_db)
    assert migrate.exit_code == 0, migrate.stderr
    assert migrate.stdout.startswith("database is up to date")
    again = cli("baseline", "--dsn", empty_db)
    assert again.exit_code == 2
    assert "already migrated by cmmsdb" in again.stderr


def test_a_schema_that_differs_exits_1_with_the_differences(cli, empty_db: str) -> None:
    built_without_cmmsdb(empty_db, MAIN[-1])
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("DROP INDEX cmms.teams_organization_id_lead_user_id_idx")

    run = cli("baseline", "--to", MAIN[-1], "--dsn", empty_db)

    assert run.exit_code == 1, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "index cmms.teams_organization_id_lead_user_id_idx: missing"
    assert lines[1].startswith(f"refused: 1 difference from {MIGRATIONS.parent / 'schema.json'}")
    assert "nothing was recorded" in lines[1]
    assert recorded(empty_db) == []


def test_baseline_to_with_a_scratch_server_json(cli, empty_db: str) -> None:
    built_without_cmmsdb(empty_db, "0005")

    run = cli("baseline", "--to", "0005", "--dsn", empty_db, "--scratch", "--json")

    assert run.exit_code == 0, run.stderr
    report = json.loads(run.stdout)
    assert set(report) == {
        "target",
        "source",
        "expected_from",
        "migrations",
        "recorded",
        "ok",
        "differences",
    }
    assert report["migrations"] == MAIN[:5]
    assert (report["recorded"], report["ok"], report["differences"]) == (True, True, [])
    assert report["expected_from"].startswith("scratch database on ")
    assert recorded(empty_db) == MAIN[:5]
