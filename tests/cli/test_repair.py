"""cmmsdb repair as a user runs it: an edited applied migration makes status exit 1; once
reviewed, repair records its new checksum and status is clean."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import MIGRATIONS


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, copy)
    return copy


def test_repair_accepts_a_reviewed_edit_and_status_is_clean(
    cli, empty_db: str, folder: Path
) -> None:
    target = ("--dsn", empty_db, "--migrations", str(folder))
    assert cli("migrate", *target).exit_code == 0
    path = folder / "0003.create-table-organizations.sql"
    path.write_text(path.read_text() + "\n-- a comment added in review\n")
    changed = cli("status", *target, "--exit-code", "--json")
    assert changed.exit_code == 1
    states = {m["id"]: m["state"] for m in json.loads(changed.stdout)["migrations"]}
    assert states["0003.create-table-organizations"] == "changed"

    run = cli("repair", "0003", *target)

    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith("accepted the edited 0003.create-table-organizations:")
    clean = cli("status", *target, "--exit-code")
    assert clean.exit_code == 0, clean.stdout
    history = json.loads(cli("history", "--dsn", empty_db, "--json").stdout)["events"]
    assert (history[-1]["action"], history[-1]["id"]) == (
        "repair",
        "0003.create-table-organizations",
    )
    assert history[-1]["by"] == "postgres"
    again = cli("repair", "0003", *target, "--json")
    assert json.loads(again.stdout)["action"] == "none"


def test_migrate_over_a_deleted_file_says_what_to_do(cli, empty_db: str, folder: Path) -> None:
    target = ("--dsn", empty_db, "--migrations", str(folder))
    assert cli("migrate", *target, "--to", "0002").exit_code == 0
    for name in (
        "0002.create-function-set-updated-at.sql",
        "0002.create-function-set-updated-at.rollback.sql",
    ):
        (folder / name).unlink()

    run = cli("migrate", *target)

    assert run.exit_code == 2
    assert "have no file in" in run.stderr
    assert "cmmsdb repair 0002.create-function-set-updated-at" in run.stderr
    forget = cli("repair", "0002", *target, "--json")
    assert forget.exit_code == 0, forget.stderr
    report = json.loads(forget.stdout)
    assert set(report) == {"target", "id", "action", "previous_checksum", "checksum"}
    assert (report["id"], report["action"], report["checksum"]) == (
        "0002.create-function-set-updated-at",
        "forget",
        None,
    )


def test_repair_of_a_migration_never_applied_is_refused(cli, empty_db: str) -> None:
    run = cli("repair", "0001", "--dsn", empty_db)

    assert run.exit_code == 2
    assert "no applied migration matches '0001'" in run.stderr
