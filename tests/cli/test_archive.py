"""cmmsdb archive as a user (or cron) runs it: output, --dry-run, --json, exit codes."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_migrations import assert_one_clean_error
from tests.test_archiving import _count, _org, _work_order

ORG = "00000000-0000-4000-8000-000000000001"


def test_help(cli) -> None:
    run = cli("archive", "--help")
    assert run.exit_code == 0, run.stderr
    for option in ("--older-than", "--batch-size", "--dry-run", "--json"):
        assert option in run.stdout


def test_archive_moves_old_work_orders_and_exits_0(cli, migrated_db: str, admin) -> None:
    org = _org(admin)
    _work_order(admin, org)

    run = cli("archive", "--older-than", "2y", "--dsn", migrated_db, "--batch-size", "10")

    assert run.exit_code == 0, run.stderr
    assert "moved 1 work orders" in run.stdout
    assert any(line.split() == ["comments", "2"] for line in run.stdout.splitlines())
    assert _count(admin, "cmms_archive.work_orders", org) == 1
    again = cli("archive", "--older-than", "2y", "--dsn", migrated_db)
    assert again.exit_code == 0, again.stderr  # nothing left to do is not a problem
    assert "moved 0 work orders" in again.stdout


def test_dry_run_json_counts_and_changes_nothing(cli, migrated_db: str, admin) -> None:
    org = _org(admin)
    _work_order(admin, org)

    run = cli("archive", "--older-than", "18m", "--dsn", migrated_db, "--dry-run", "--json")

    assert run.exit_code == 0, run.stderr
    data = json.loads(run.stdout)
    assert set(data) == {
        "target",
        "dry_run",
        "exact",
        "older_than",
        "before",
        "batch_size",
        "work_orders",
        "rows",
        "batches",
        "seconds",
        "longest_batch_seconds",
    }
    assert data["dry_run"] is True
    assert data["exact"] is False
    assert data["older_than"] == "18m"
    assert data["work_orders"] == 1
    assert data["rows"]["checklist_items"] == 1
    assert _count(admin, "cmms.work_orders", org) == 1
    assert _count(admin, "cmms_archive.work_orders", org) == 0


@pytest.mark.parametrize("age", ["2", "two years", "0d", "3w"])
def test_a_bad_age_is_one_clear_error(cli, migrated_db: str, age: str) -> None:
    assert_one_clean_error(cli("archive", "--older-than", age, "--dsn", migrated_db), "not an age")


def test_exact_dry_run_json_says_so(cli, migrated_db: str, admin) -> None:
    org = _org(admin)
    _work_order(admin, org)
    run = cli("archive", "--older-than", "2y", "--dsn", migrated_db, "--dry-run", "--exact")
    assert run.exit_code == 0, run.stderr
    assert "would move 1 work orders" in run.stdout
    assert _count(admin, "cmms_archive.work_orders", org) == 0
    alone = cli("archive", "--older-than", "2y", "--dsn", migrated_db, "--exact")
    assert_one_clean_error(alone, "--exact goes with --dry-run")


@pytest.mark.parametrize(
    "command", [["archive", "--older-than", "2y"], ["restore", ORG, "--id", ORG]]
)
def test_a_login_not_granted_cmms_maintainer_is_refused_in_one_line(
    cli, migrated_db: str, admin, app_login: str, command: list[str]
) -> None:
    del admin
    run = cli(*command, "--dsn", app_login)
    assert_one_clean_error(run, "cmms_maintainer")


def test_restore_by_id_and_by_date_json_and_exit_0(cli, migrated_db: str, admin) -> None:
    org = _org(admin)
    first, second = _work_order(admin, org), _work_order(admin, org)
    assert cli("archive", "--older-than", "2y", "--dsn", migrated_db).exit_code == 0
    admin.execute(
        "UPDATE cmms_archive.work_orders SET archived_at = '2024-01-01' WHERE id = %s", [second]
    )

    run = cli("restore", str(org), "--id", str(first), "--dsn", migrated_db, "--json")

    assert run.exit_code == 0, run.stderr
    data = json.loads(run.stdout)
    assert set(data) == {
        "target",
        "organization_id",
        "requested",
        "since",
        "work_orders",
        "rows",
    }
    assert (data["requested"], data["since"], data["work_orders"]) == (1, None, 1)
    assert data["rows"]["comments"] == 2
    assert _count(admin, "cmms_archive.work_orders", org) == 1
    by_date = cli("restore", str(org), "--since", "2023-06-01", "--dsn", migrated_db)
    assert by_date.exit_code == 0, by_date.stderr
    assert "restored 1 work orders (archived since 2023-06-01 00:00 UTC)" in by_date.stdout
    assert _count(admin, "cmms.work_orders", org) == 2
    none_left = cli("restore", str(org), "--since", "2023-06-01", "--dsn", migrated_db)
    assert none_left.exit_code == 0, none_left.stderr  # nothing to restore is not a failure
    assert "restored 0 work orders" in none_left.stdout


@pytest.mark.parametrize(
    ("arguments", "needle"),
    [
        (["not-a-uuid", "--id", ORG], "is not an organization id"),
        ([ORG, "--id", "42"], "is not a work order id"),
        ([ORG], "nothing to restore"),
    ],
)
def test_restore_usage_errors_are_one_clear_line(
    cli, migrated_db: str, arguments: list[str], needle: str
) -> None:
    assert_one_clean_error(cli("restore", *arguments, "--dsn", migrated_db), needle)


def test_without_the_archive_migrations_it_says_to_migrate(cli, empty_db: str) -> None:
    assert_one_clean_error(cli("archive", "--older-than", "2y", "--dsn", empty_db), "migrate")
