"""cmmsdb archive as a user (or cron) runs it: output, --dry-run, --json, exit codes."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_migrations import assert_one_clean_error
from tests.test_archiving import _count, _org, _work_order


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
    assert data["older_than"] == "18m"
    assert data["work_orders"] == 1
    assert data["rows"]["checklist_items"] == 1
    assert _count(admin, "cmms.work_orders", org) == 1
    assert _count(admin, "cmms_archive.work_orders", org) == 0


@pytest.mark.parametrize("age", ["2", "two years", "0d", "3w"])
def test_a_bad_age_is_one_clear_error(cli, migrated_db: str, age: str) -> None:
    assert_one_clean_error(cli("archive", "--older-than", age, "--dsn", migrated_db), "not an age")


def test_a_login_that_cannot_bypass_rls_is_refused(
    cli, migrated_db: str, admin, app_login: str
) -> None:
    del admin
    run = cli("archive", "--older-than", "2y", "--dsn", app_login)
    assert run.exit_code == 2
    assert "error:" in run.stderr
    assert "Traceback" not in run.stderr


def test_without_the_archive_migrations_it_says_to_migrate(cli, empty_db: str) -> None:
    assert_one_clean_error(cli("archive", "--older-than", "2y", "--dsn", empty_db), "migrate")
