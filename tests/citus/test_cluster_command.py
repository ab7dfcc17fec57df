"""cmmsdb cluster as a newcomer runs it: a kept three-node Citus cluster in a home of its own
(CMMSDB_CLUSTER_HOME, never the default), started, found again, stopped and restarted with
its data and ports; and the refusals, each one clean line and exit 2."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from cmmsdb import citus_cluster
from cmmsdb.errors import LocalServerError
from tests.cli.test_migrations import assert_one_clean_error
from tests.conftest import CliRun

Run = Callable[..., CliRun]


@pytest.fixture
def home() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="cmmsdb-cluster-test-", dir="/tmp"))
    base.chmod(0o755)  # the server user (as root) must reach it
    try:
        yield base / "cluster"
    finally:
        try:
            citus_cluster.stop_home(base / "cluster")
        finally:
            shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def run(cli: Any, home: Path) -> Run:
    def cmmsdb(*args: str) -> CliRun:
        return cli(*args, env={"CMMSDB_CLUSTER_HOME": str(home)}, timeout=300)

    return cmmsdb


def _json(run: Run, *args: str) -> dict[str, Any]:
    done = run(*args, "--json")
    assert done.exit_code == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def _ports(state: dict[str, Any]) -> dict[str, int]:
    return {node["name"]: node["port"] for node in state["nodes"]}


def test_start_find_stop_and_restart_the_same_three_nodes(run: Run, home: Path) -> None:
    before = _json(run, "cluster", "status")
    assert (before["state"], before["running"], before["nodes"]) == ("not running", False, [])

    started = _json(run, "cluster", "start")
    assert (started["state"], started["running"]) == ("started", True)
    assert [n["name"] for n in started["nodes"]] == ["coordinator", "worker1", "worker2"]
    assert all(n["running"] and n["port"] for n in started["nodes"])
    assert started["home"] == str(home.resolve())

    status = run("cluster", "status")
    assert status.exit_code == 0, status.stderr
    assert status.stdout.startswith("Citus cluster running\n")
    for node in started["nodes"]:
        assert f"{node['name']}" in status.stdout
        assert str(node["port"]) in status.stdout
        assert node["data_dir"] in status.stdout

    url = run("cluster", "url")
    assert url.exit_code == 0, url.stderr
    dsn = url.stdout.strip()
    assert dsn == started["url"]
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_dist_node").fetchone() == (3,)
        version = conn.execute("SELECT citus_version()").fetchone()
        assert version is not None
        assert version[0].startswith("Citus ")
        conn.execute("CREATE TABLE kept (tenant int, note text)")
        conn.execute("SELECT create_distributed_table('kept', 'tenant')")
        conn.execute("INSERT INTO kept SELECT g, 'row ' || g FROM generate_series(1, 50) g")

    again = run("cluster", "start")
    assert again.exit_code == 0, again.stderr
    assert again.stdout.startswith("Citus cluster already running\n")

    other = run("cluster", "start", "--workers", "3")
    assert_one_clean_error(other, "has 2 workers, not 3")

    stopped = _json(run, "cluster", "stop")
    assert (stopped["state"], stopped["running"], stopped["url"]) == ("stopped", False, None)
    assert _ports(stopped) == _ports(started)  # stopped, each node shows the port it keeps
    status = _json(run, "cluster", "status")
    assert (status["state"], status["running"]) == ("not running", False)
    assert not any(node["running"] for node in status["nodes"])
    assert _json(run, "cluster", "stop")["state"] == "not running"

    restarted = _json(run, "cluster", "start")
    assert (restarted["state"], restarted["running"]) == ("started", True)
    assert _ports(restarted) == _ports(started)
    assert restarted["url"] == dsn
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM pg_dist_node").fetchone() == (3,)
        assert conn.execute("SELECT count(*), max(note) FROM kept").fetchone() == (50, "row 9")
    for name in ("coordinator", "worker1", "worker2"):
        hba = (home / name / "pgdata" / "pg_hba.conf").read_text()
        assert hba.count("cmmsdb.citus_cluster") == 1, name  # one line, however many starts

    stopped = _json(run, "cluster", "stop")
    assert stopped["running"] is False


def test_migrate_with_citus_and_seed_on_the_cluster_url(run: Run) -> None:
    """The newcomer's lines of docs/scale-out.md, as written there."""
    url = run("cluster", "url")
    assert url.exit_code == 0, url.stderr
    dsn = url.stdout.strip()

    migrated = run("migrate", "--dsn", dsn, "--with", "citus")
    assert migrated.exit_code == 0, migrated.stderr
    seeded = run("seed", "--dsn", dsn, "--tenants", "2", "--profile", "small")
    assert seeded.exit_code == 0, seeded.stderr
    with psycopg.connect(dsn) as conn:
        kind = conn.execute(
            "SELECT citus_table_type FROM citus_tables"
            " WHERE table_name = 'cmms.work_orders'::regclass"
        ).fetchone()
        assert kind == ("distributed",)
        assert conn.execute("SELECT count(*) FROM cmms.organizations").fetchone() == (2,)

    stopped = run("cluster", "stop")
    assert stopped.exit_code == 0, stopped.stderr


def test_reset_drops_everything_and_keeps_the_ports(run: Run, home: Path) -> None:
    started = _json(run, "cluster", "start", "--workers", "1")
    assert [n["name"] for n in started["nodes"]] == ["coordinator", "worker1"]
    with psycopg.connect(started["url"], autocommit=True) as conn:
        conn.execute("CREATE TABLE dropped (tenant int)")

    refused = run("cluster", "reset")
    assert_one_clean_error(refused, "refusing without --yes")

    reset = _json(run, "cluster", "reset", "--yes", "--workers", "2")
    assert (reset["state"], reset["running"]) == ("reset", True)
    assert _ports(reset)["coordinator"] == _ports(started)["coordinator"]
    assert _ports(reset)["worker1"] == _ports(started)["worker1"]
    with psycopg.connect(reset["url"]) as conn:
        assert conn.execute("SELECT to_regclass('dropped')").fetchone() == (None,)
        assert conn.execute("SELECT count(*) FROM pg_dist_node").fetchone() == (3,)

    (home / "workers").write_text("two\n")  # damaged by hand: status says so, reset mends it
    assert_one_clean_error(run("cluster", "status"), "should hold the number of workers")
    mended = _json(run, "cluster", "reset", "--yes")
    assert (mended["running"], len(mended["nodes"])) == (True, 3)


def test_no_workers_is_refused_before_anything_is_made(run: Run, home: Path) -> None:
    refused = run("cluster", "start", "--workers", "0")
    assert refused.exit_code == 2
    assert "--workers" in refused.stderr
    assert not home.exists()


def test_a_postgresql_without_citus_is_refused_in_one_line(home: Path, tmp_path: Path) -> None:
    """A PostgreSQL installation without citus.so (a copy of PostgreSQL 15's bin/ only)."""
    plain = tmp_path / "15"
    shutil.copytree(citus_cluster.PGINSTALL / "bin", plain / "bin", symlinks=True)

    with pytest.raises(LocalServerError) as refused:
        citus_cluster.start_home(home, pginstall=plain)

    assert refused.value.exit_code == 2
    assert refused.value.message == f"Citus is not installed into PostgreSQL 15 ({plain})"
    assert refused.value.hint is not None
    assert ".ci/citus-build" in refused.value.hint
    assert not home.exists()


def test_a_worker_whose_port_was_taken_moves_and_the_coordinator_follows(
    run: Run, home: Path
) -> None:
    """Another program listens on worker1's kept port at the next start (it answers by
    closing the connection): the worker takes another port, the coordinator's metadata
    follows, the start says so on stderr, and distributed queries still work."""
    started = _json(run, "cluster", "start", "--workers", "1")
    with psycopg.connect(started["url"], autocommit=True) as conn:
        conn.execute("CREATE TABLE moved (tenant int)")
        conn.execute("SELECT create_distributed_table('moved', 'tenant')")
        conn.execute("INSERT INTO moved SELECT generate_series(1, 20)")
    assert _json(run, "cluster", "stop")["running"] is False
    taken = _ports(started)["worker1"]

    with _listening(taken):
        restarted = run("cluster", "start", "--json")
    assert restarted.exit_code == 0, restarted.stderr
    state = json.loads(restarted.stdout)
    assert f"port {taken}" in restarted.stderr
    assert _ports(state)["coordinator"] == _ports(started)["coordinator"]
    assert _ports(state)["worker1"] != taken
    with psycopg.connect(state["url"]) as conn:
        ports = conn.execute("SELECT nodeport FROM pg_dist_node WHERE groupid <> 0").fetchall()
        assert ports == [(_ports(state)["worker1"],)]
        assert conn.execute("SELECT count(*) FROM moved").fetchone() == (20,)


@contextlib.contextmanager
def _listening(port: int) -> Iterator[None]:
    """Listen on 127.0.0.1:`port` and close every connection at once, until the end."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen()
    server.settimeout(0.2)
    done = threading.Event()

    def refuse() -> None:
        while not done.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                server.accept()[0].close()

    thread = threading.Thread(target=refuse, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        server.close()
