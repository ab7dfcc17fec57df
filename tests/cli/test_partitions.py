"""cmmsdb partitions list|maintain as a user (or cron) runs them: output, JSON, exit codes."""

from __future__ import annotations

import json

import psycopg
import pytest

from tests.cli.test_migrations import assert_one_clean_error
from tests.test_partitions import AHEAD, attached, build_events, catalog, insert, sql


@pytest.fixture
def events(empty_db: str) -> str:
    return build_events(empty_db)


def test_help(cli) -> None:
    for args in (["partitions", "--help"], ["partitions", "maintain", "-h"]):
        run = cli(*args)
        assert run.exit_code == 0, run.stderr
        assert "Usage" in run.stdout
    assert "--ahead" in run.stdout
    assert "--now" in run.stdout


def test_list_shows_tables_partitions_and_default_rows(cli, events: str) -> None:
    insert(events, "2019-05-01")

    run = cli("partitions", "list", "--dsn", events)

    assert run.exit_code == 0, run.stderr
    lines = [line.rstrip() for line in run.stdout.splitlines()]
    assert "cmms.events  RANGE (created_at)  (monthly, maintained)" in lines
    assert "cmms.work_orders  HASH (organization_id)  (not maintained)" in lines
    assert any(line.split() == ["cmms.events_default", "DEFAULT", "1", "(exact)"] for line in lines)
    assert any(
        line.split() == ["cmms.work_orders_h0", "WITH", "(modulus", "2,", "remainder", "0)", "?"]
        for line in lines
    )
    assert "warning: cmms.events_default holds 1 row outside every monthly partition" in run.stdout

    listed = json.loads(cli("partitions", "list", "--dsn", events, "--json").stdout)
    assert set(listed) == {"target", "tables", "default_rows"}
    first = listed["tables"][0]
    assert set(first) == {
        "name",
        "strategy",
        "key",
        "maintained",
        "default_partition",
        "default_rows",
        "partitions",
    }
    assert set(first["partitions"][0]) == {
        "name",
        "bounds",
        "default",
        "from",
        "to",
        "row_estimate",
    }
    assert listed["default_rows"] == [
        {"table": "cmms.events", "partition": "cmms.events_default", "rows": 1}
    ]


def test_maintain_creates_then_finds_nothing_to_do(cli, events: str) -> None:
    run = cli("partitions", "maintain", "--dsn", events, "--now", "2026-11-23")

    assert run.exit_code == 0, run.stderr
    assert "created  cmms.events_p2026_11  [2026-11-01, 2026-12-01) in " in run.stdout
    assert "4 partitions created (cmms.events)" in run.stdout
    assert sorted(attached(events)) == sorted([*AHEAD, "events_default"])

    again = cli("partitions", "maintain", "--dsn", events, "--now", "2026-11-23", "--json")
    assert again.exit_code == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["actions"] == []
    assert set(report) == {
        "target",
        "dry_run",
        "today",
        "ahead",
        "retain",
        "retain_from",
        "tables",
        "actions",
        "default_rows",
    }
    assert (report["today"], report["retain_from"], report["tables"]) == (
        "2026-11-23",
        "2025-11-01",
        ["cmms.events"],
    )


def test_dry_run_prints_the_sql_changes_nothing_and_reports_default_rows(cli, events: str) -> None:
    insert(events, "infinity")  # in no month: it stays
    before = catalog(events)

    run = cli("partitions", "maintain", "--dsn", events, "--now", "2026-11-23", "--dry-run")

    assert run.exit_code == 1, run.stderr
    assert "CREATE TABLE IF NOT EXISTS cmms.events_p2027_02" in run.stdout
    assert "-- dry run: would have 4 partitions created; nothing was changed" in run.stdout
    assert "warning: cmms.events_default holds 1 row" in run.stdout
    assert catalog(events) == before


def test_rows_in_the_default_partition_exit_1_after_the_work_is_done(cli, events: str) -> None:
    insert(events, "2026-12-24", "infinity")

    run = cli("partitions", "maintain", "--dsn", events, "--now", "2026-11-23", "--json")

    assert run.exit_code == 1, run.stderr
    report = json.loads(run.stdout)
    assert [(a["action"], a["rows"], len(a["created"])) for a in report["actions"]] == [
        ("move_default_rows", 1, 4)
    ]
    assert set(report["actions"][0]) == {
        "table",
        "action",
        "partition",
        "from",
        "to",
        "created",
        "rows",
        "seconds",
        "sql",
    }
    assert report["default_rows"] == [
        {"table": "cmms.events", "partition": "cmms.events_default", "rows": 1}
    ]
    assert sorted(attached(events)) == sorted([*AHEAD, "events_default"])


def test_a_held_lock_is_one_clean_error(cli, events: str) -> None:
    with psycopg.connect(events) as blocker:
        blocker.execute("LOCK TABLE cmms.events IN ACCESS EXCLUSIVE MODE")
        run = cli(
            "partitions",
            "maintain",
            "--dsn",
            events,
            "--lock-timeout",
            "0.2",
            "--lock-retries",
            "1",
            "--now",
            "2026-11-23",
        )

    assert_one_clean_error(run, "could not take its locks within 0.2s in 2 attempts")
    assert "raise --lock-timeout" in run.stderr
    assert attached(events) == {"events_default": "DEFAULT"}


def test_a_hash_partitioned_table_is_not_maintained(cli, events: str) -> None:
    run = cli("partitions", "maintain", "--dsn", events, "--table", "work_orders")
    assert_one_clean_error(run, "only tables partitioned BY RANGE")


def default_rows(dsn: str) -> int:
    return int(sql(dsn, "SELECT count(*) FROM cmms.activity_logs_default")[0][0])


def archived_audit_partitions(dsn: str) -> int:
    return int(
        sql(
            dsn,
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'cmms_archive' "
            "AND tablename LIKE 'activity_logs_p%'",
        )[0][0]
    )


def test_after_a_seed_the_plain_maintain_moves_the_seeded_audit_trail(
    cli, migrated_db: str
) -> None:
    """The README's promise: seeded audit records (dated like their rows, the year before
    2026) land in the default partition, and `cmmsdb partitions maintain` moves them out,
    whatever today's date; so does it after a purge and another seed."""
    seed = ("seed", "--dsn", migrated_db, "--tenants", "1", "--scale", "0.2")
    assert cli(*seed).exit_code == 0
    seeded = default_rows(migrated_db)
    assert seeded > 0

    run = cli("partitions", "maintain", "--dsn", migrated_db)

    assert run.exit_code == 0, run.stdout + run.stderr
    assert f"{seeded} rows moved out of default partitions" in run.stdout
    assert "warning" not in run.stdout
    assert default_rows(migrated_db) == 0
    again = cli("partitions", "maintain", "--dsn", migrated_db)
    assert again.exit_code == 0, again.stdout
    assert "partitions are up to date" in again.stdout

    assert cli("seed", "--dsn", migrated_db, "--purge-fake").exit_code == 0
    assert archived_audit_partitions(migrated_db) == 0  # they held only fake records
    assert cli(*seed).exit_code == 0
    reseeded = cli("partitions", "maintain", "--dsn", migrated_db)
    assert reseeded.exit_code == 0, reseeded.stdout + reseeded.stderr
    assert default_rows(migrated_db) == 0
