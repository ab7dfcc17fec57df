"""cmmsdb seed as a user runs it: a JSON summary, the purge, and one clean line with exit 2
for bad input, with nothing written."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from tests.cli.test_migrations import assert_one_clean_error


def organizations(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM cmms.organizations").fetchone()
        return row[0] if row else -1


def test_seed_reports_rows_per_table_and_purge_removes_them(cli: Any, migrated_db: str) -> None:
    run = cli(
        "seed", "--dsn", migrated_db, "--tenants", "2", "--scale", "0.2", "--jobs", "2", "--json"
    )

    assert run.exit_code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["tenants"] == len(report["organizations"]) == 2
    assert report["rows"]["organizations"] == 2
    assert report["rows"]["work_orders"] > 0
    assert report["total_rows"] == sum(report["rows"].values())
    assert report["rows_per_second"] > 0
    assert "bypasses row-level security" in report["written_as"]
    assert organizations(migrated_db) == 2

    purge = cli("seed", "--dsn", migrated_db, "--purge-fake")

    assert purge.exit_code == 0, purge.stderr
    assert "removed 2 fake organizations" in purge.stdout
    assert organizations(migrated_db) == 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--tenants", "-1"], "--tenants must be between 1 and 100,000, not -1"),
        (["--tenants", "1000000000"], "--tenants must be between 1 and"),
        (["--scale", "0"], "--scale must be above 0"),
        (["--jobs", "0"], "--jobs must be between 1 and 32, not 0"),
        (["--profile", "huge"], "unknown seed profile 'huge'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    cli: Any, migrated_db: str, args: list[str], needle: str
) -> None:
    assert_one_clean_error(cli("seed", "--dsn", migrated_db, *args), needle)
    assert organizations(migrated_db) == 0


def test_an_outdated_database_names_its_pending_migrations(cli: Any, empty_db: str) -> None:
    assert cli("migrate", "--dsn", empty_db, "--to", "0020").exit_code == 0

    run = cli("seed", "--dsn", empty_db)

    assert_one_clean_error(run, "not at the latest schema (0021.create-table-contractors")
    assert "cmmsdb migrate" in run.stderr
