"""cmmsdb tenant export|import|delete as a user runs them: exit codes, the --json shape, and
one clean line with exit 2 for every refusal."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from cmmsdb.seeding import seed
from cmmsdb.target import Target
from tests.cli.test_migrations import assert_one_clean_error

REPORT_KEYS = {
    "action",
    "target",
    "organization",
    "file",
    "dry_run",
    "tables",
    "total_rows",
    "bytes",
    "seconds",
    "rows_per_second",
    "megabytes_per_second",
    "schema_version",
}


@pytest.fixture
def org(migrated_db: str) -> str:
    report = seed(Target(migrated_db, "test"), profile="small", tenants=1, scale=0.2, seed=5)
    return report.organizations[0]


def organizations(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM cmms.organizations").fetchone()
        return row[0] if row else -1


def test_export_delete_import_with_json(
    cli: Any, migrated_db: str, org: str, tmp_path: Path
) -> None:
    archive = tmp_path / "acme.tar"

    export = cli("tenant", "export", org, "--output", str(archive), "--dsn", migrated_db, "--json")
    assert export.exit_code == 0, export.stderr
    exported = json.loads(export.stdout)
    assert set(exported) == REPORT_KEYS
    assert exported["action"] == "export"
    assert exported["organization"] == org
    assert exported["tables"]["organizations"] == 1
    assert 0 < exported["bytes"] < archive.stat().st_size  # the tables, inside the tar

    dry = cli("tenant", "delete", org, "--dry-run", "--dsn", migrated_db, "--json")
    assert dry.exit_code == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert plan["dry_run"]
    assert plan["total_rows"] == exported["total_rows"]
    assert organizations(migrated_db) == 1

    delete = cli("tenant", "delete", org, "--yes", "--dsn", migrated_db, "--json")
    assert delete.exit_code == 0, delete.stderr
    assert json.loads(delete.stdout)["total_rows"] == exported["total_rows"]
    assert organizations(migrated_db) == 0

    load = cli("tenant", "import", str(archive), "--dsn", migrated_db)
    assert load.exit_code == 0, load.stderr
    assert f"imported organization {org}: {exported['total_rows']:,} rows" in load.stdout
    assert organizations(migrated_db) == 1


def test_delete_dry_run_prints_rows_per_table(cli: Any, migrated_db: str, org: str) -> None:
    run = cli("tenant", "delete", org, "--dry-run", "--dsn", migrated_db)

    assert run.exit_code == 0, run.stderr
    assert run.stdout.splitlines()[0].split() == ["table", "rows"]
    assert "work_orders" in run.stdout
    assert "nothing was deleted" in run.stdout


def test_delete_without_yes_off_a_terminal_refuses(cli: Any, migrated_db: str, org: str) -> None:
    run = cli("tenant", "delete", org, "--dsn", migrated_db)

    assert_one_clean_error(run, "nothing was deleted")
    assert organizations(migrated_db) == 1


def test_import_refusals_are_one_line(cli: Any, migrated_db: str, org: str, tmp_path: Path) -> None:
    archive = tmp_path / "acme.tar"
    assert cli("tenant", "export", org, "-o", str(archive), "--dsn", migrated_db).exit_code == 0
    garbage = tmp_path / "garbage.tar"
    garbage.write_bytes(b"\x00not a tar" * 64)

    assert_one_clean_error(
        cli("tenant", "import", str(archive), "--dsn", migrated_db), "is already in"
    )
    assert_one_clean_error(
        cli("tenant", "import", str(garbage), "--dsn", migrated_db), "nothing was loaded"
    )


@pytest.mark.parametrize(
    ("organization", "needle"),
    [(str(uuid.uuid4()), "is not in"), ("acme", "is not an organization id")],
)
def test_export_of_an_unknown_organization_is_one_line(
    cli: Any, migrated_db: str, tmp_path: Path, organization: str, needle: str
) -> None:
    archive = tmp_path / "x.tar"
    run = cli("tenant", "export", organization, "-o", str(archive), "--dsn", migrated_db)

    assert_one_clean_error(run, needle)
    assert not archive.exists()


def test_tenant_help_lists_the_commands(cli: Any) -> None:
    run = cli("tenant", "--help", env={"COLUMNS": "80"})

    assert run.exit_code == 0
    commands = run.stdout.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in commands if line.strip()] == ["export", "import", "delete"]
    assert not [line for line in commands if line.rstrip().endswith("...")]


def test_file_system_errors_are_one_line(
    cli: Any, migrated_db: str, org: str, tmp_path: Path
) -> None:
    folder = tmp_path / "taken"
    folder.mkdir()

    assert_one_clean_error(
        cli("tenant", "export", org, "-o", str(folder), "--dsn", migrated_db), "cannot write"
    )
    assert_one_clean_error(
        cli("tenant", "import", str(tmp_path / "missing.tar"), "--dsn", migrated_db),
        "is not a file",
    )
    assert list(folder.iterdir()) == []
