"""cmmsdb local as a developer runs it: stop, reset and start --wait, each in a home of its
own (never the suite's server), with stdin that is not a terminal."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from cmmsdb import local
from tests.cli.test_migrations import assert_one_clean_error
from tests.conftest import CliRun

Run = Callable[..., CliRun]


@pytest.fixture
def home() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="cmmsdb-test-", dir="/tmp"))
    base.chmod(0o755)  # the server user (as root) must reach it
    try:
        yield base / "home"
    finally:
        try:
            local.stop(base / "home")
        finally:
            shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def run(cli: Any, home: Path) -> Run:
    def cmmsdb(*args: str) -> CliRun:
        return cli(*args, env={"CMMSDB_HOME": str(home)}, timeout=120)

    return cmmsdb


def test_stop_when_nothing_runs_says_it_was_not_running(run: Run) -> None:
    stop = run("local", "stop")
    assert stop.exit_code == 0, stop.stderr
    assert stop.stdout.startswith("local server not running\n")
    assert json.loads(run("local", "stop", "--json").stdout)["state"] == "not running"


def test_reset_refuses_without_yes_off_a_terminal_then_empties_the_database(run: Run) -> None:
    started = run("local", "start", "--json")
    assert started.exit_code == 0, started.stderr
    url = json.loads(started.stdout)["url"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create table precious (n int)")

    refused = run("local", "reset")
    assert_one_clean_error(refused, "refusing without --yes (stdin is not a terminal)")
    assert "cmmsdb local reset --yes" in refused.stderr
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("select to_regclass('precious') is not null").fetchone() == (True,)

    reset = run("local", "reset", "--yes")
    assert reset.exit_code == 0, reset.stderr
    assert reset.stdout == f"database cmmsdb dropped and created again, empty: {url}\n"
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("select to_regclass('precious') is null").fetchone() == (True,)
    assert "reset" in run("local", "--help").stdout


def test_start_wait_gives_up_with_one_line_when_connections_are_refused(
    run: Run, home: Path
) -> None:
    assert run("local", "start").exit_code == 0
    assert run("local", "stop").stdout.startswith("local server stopped\n")
    data = home / "pgdata"
    (data / "standby.signal").write_text("")  # a standby without hot standby never accepts
    conf = data / "postgresql.auto.conf"
    conf.write_text(conf.read_text() + "hot_standby = off\n")

    late = run("local", "start", "--wait", "2")

    assert_one_clean_error(late, "did not accept connections within 2 s")
    assert "--wait" in late.stderr
