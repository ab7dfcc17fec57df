"""cmmsdb seed as a user runs it: a JSON summary, the purge, and one clean line with exit 2
for bad input, with nothing written."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.cli.test_migrations import assert_one_clean_error
from tests.conftest import ROOT


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


def test_seed_purge_seed_as_the_readme_shows(cli: Any, migrated_db: str) -> None:
    """The README's sequence: the purge removes the fake tenants' audit trail too, so the
    same seed makes the same tenants again."""
    args = ("seed", "--dsn", migrated_db, "--tenants", "1", "--scale", "0.2", "--json")
    first = cli(*args)
    assert first.exit_code == 0, first.stderr

    purge = cli("seed", "--dsn", migrated_db, "--purge-fake")
    assert purge.exit_code == 0, purge.stderr
    assert "removed 1 fake organization, their rows and " in purge.stdout

    again = cli(*args)
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["organizations"] == json.loads(first.stdout)["organizations"]


def test_seed_and_purge_take_a_connect_timeout(cli: Any, migrated_db: str) -> None:
    run = cli(
        "seed", "--dsn", migrated_db, "--tenants", "1", "--scale", "0.1", "--connect-timeout", "3"
    )
    assert run.exit_code == 0, run.stderr
    purge = cli("seed", "--dsn", migrated_db, "--purge-fake", "--connect-timeout", "3")
    assert purge.exit_code == 0, purge.stderr
    assert "--connect-timeout" in cli("seed", "--help").stdout


def committed_tenants(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        found = conn.execute("SELECT to_regclass('cmmsdb.seeded_organizations')").fetchone()
        if not found or found[0] is None:
            return 0
        row = conn.execute("SELECT count(*) FROM cmmsdb.seeded_organizations").fetchone()
        return int(row[0]) if row else 0


def test_ctrl_c_says_how_many_tenants_were_kept_and_exits_130(
    migrated_db: str, local_home: Path, tmp_path: Path
) -> None:
    environ = {k: v for k, v in os.environ.items() if k not in ("CMMSDB_DSN", "DATABASE_URL")}
    environ.update(CMMSDB_HOME=str(local_home), PYTHONPATH=str(ROOT))
    args = ["seed", "--dsn", migrated_db, "--tenants", "200", "--scale", "0.3", "--jobs", "2"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "cmmsdb", *args],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a suite started in the background (`nox -s tests &`) ignores SIGINT, and so would
        # the seed: give it the default a user's terminal gives
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 180  # a loaded CI machine writes the first tenant slowly
        while committed_tenants(migrated_db) < 1 and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()

    assert proc.returncode == 130, (stdout, stderr)
    kept = committed_tenants(migrated_db)
    assert 1 <= kept < 200
    assert f"error: interrupted: {kept} of 200 fake tenants committed and kept" in stderr
    assert "--purge-fake" in stderr
    assert "Traceback" not in stderr
    assert organizations(migrated_db) == kept


def test_progress_bars_one_per_table_all_complete_with_several_jobs(migrated_db: str) -> None:
    from rich.console import Console

    from cmmsdb import seeding
    from cmmsdb.cli import render
    from cmmsdb.target import Target

    console = Console(file=io.StringIO(), record=True, force_terminal=True, width=120, height=100)
    with render.seed_progress(enabled=True, console=console) as on_progress:
        report = seeding.seed(
            Target(migrated_db, "test"),
            tenants=6,
            scale=0.2,
            seed=9,
            jobs=3,
            on_progress=on_progress,
        )

    seeded = sorted(table for table in report.rows if table != "organizations")  # no bar
    bars = re.findall(r"(\w+) +━+ +(\d+/\d+)", console.export_text())
    final = bars[-len(seeded) :]  # the last frame drawn: each table once, each complete
    assert sorted(table for table, _ in final) == seeded
    assert {table: done for table, done in final} == {
        table: f"{report.rows[table]}/{report.rows[table]}" for table in seeded
    }
