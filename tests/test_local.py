"""The embedded local server: real PostgreSQL processes, real folders, no mocks.

Homes live in folders under /tmp that the tests create with mode 0755, so that the
server user (`cmmsdb`, when the tests run as root) can reach them. Every server a test
starts is stopped by the fixture that created its home.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import psycopg
import pytest

from cmmsdb import local
from cmmsdb.errors import LocalServerError

IS_ROOT = os.geteuid() == 0
Factory = Callable[[str], Path]


def _new_base() -> Path:
    base = Path(tempfile.mkdtemp(prefix="cmmsdb-test-", dir="/tmp"))
    base.chmod(0o755)  # mkdtemp makes it 0700; this folder is the test's own
    return base


def _cleanup(base: Path, homes: list[Path]) -> None:
    """Stop every server (all of them, even if one fails), then remove the folder."""
    failures = []
    for home in homes:
        try:
            local.stop(home)
        except LocalServerError as exc:
            failures.append(exc)
    shutil.rmtree(base, ignore_errors=True)
    assert not failures, failures


@pytest.fixture
def new_home() -> Iterator[Factory]:
    """Hand out fresh (not yet existing) homes; stop their servers and remove them after."""
    base = _new_base()
    homes: list[Path] = []

    def make(name: str) -> Path:
        homes.append(base / name)
        return base / name

    yield make
    _cleanup(base, homes)


class Shared(NamedTuple):
    """The module's one server: its home, and what its first start saw and returned."""

    home: Path
    modes_before: dict[Path, int]
    first: local.LocalServer
    started: bool


def _watched(home: Path) -> list[Path]:
    """Folders whose modes a start must not change (the ones that exist beforehand)."""
    shipped = local._shipped_pginstall()
    return [
        *_with_ancestors(home),
        *_with_ancestors(shipped),
        *(shipped / name for name in ("bin", "lib", "share")),
        shipped.parent.parent / f"{shipped.parent.name}.libs",
        Path("/root"),
        Path(sys.prefix),
    ]


@pytest.fixture(scope="module")
def shared() -> Iterator[Shared]:
    """One server shared by the lifecycle tests (initdb costs one to two seconds); its home
    is two levels below an existing folder, so start must create the levels in between."""
    base = _new_base()
    home = base / "nested" / "home"
    before = {path: path.stat().st_mode for path in _watched(home) if path.exists()}
    try:
        server, started = local.start(home)
        yield Shared(home, before, server, started)
    finally:
        _cleanup(base, [home])


@pytest.fixture
def shared_home(shared: Shared) -> Path:
    return shared.home


def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql).fetchall()


def _execute(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def _tree_modes(tree: Path) -> dict[Path, int]:
    return {path: path.lstat().st_mode for path in [tree, *tree.rglob("*")]}


def _with_ancestors(path: Path) -> list[Path]:
    return [path, *path.parents]


def test_start_initialises_and_serves_the_cmmsdb_database(shared_home: Path) -> None:
    server, _ = local.start(shared_home)

    assert server.running
    assert server.home == shared_home.resolve()
    assert server.data_dir == shared_home.resolve() / "pgdata"
    assert (server.data_dir / "PG_VERSION").read_text().strip() == server.version.split(".")[0]
    assert server.pid is not None
    assert server.port is not None
    assert server.socket_dir == server.data_dir
    assert _query(server.url(), "select 1") == [(1,)]
    assert _query(server.url(), "select current_database()") == [(local.DEFAULT_DATABASE,)]
    assert _query(server.url("postgres"), "select current_user") == [("postgres",)]
    listen = _query(server.url(), "show listen_addresses")
    assert listen == [("127.0.0.1",)]
    assert stat.S_IMODE(server.data_dir.stat().st_mode) == 0o700


def test_second_start_reuses_the_running_server(shared_home: Path) -> None:
    first, _ = local.start(shared_home)
    second, started = local.start(shared_home)

    assert started is False
    assert second == first


def test_status_reports_without_starting(shared_home: Path, new_home: Factory) -> None:
    running, _ = local.start(shared_home)
    assert local.status(shared_home) == running

    missing = new_home("never-started")
    status = local.status(missing)
    assert not status.running
    assert (status.pid, status.port, status.socket_dir) == (None, None, None)
    assert status.version == running.version
    assert not missing.exists()
    with pytest.raises(LocalServerError, match="not running"):
        status.url()


def test_stale_pid_file_means_not_running(new_home: Factory) -> None:
    home = new_home("stale")
    (home / "pgdata").mkdir(parents=True)
    finished = subprocess.Popen(["true"])
    finished.wait()
    lines = [str(finished.pid), str(home / "pgdata"), "0", "5432", "/tmp", "127.0.0.1", "1 2"]
    (home / "pgdata" / "postmaster.pid").write_text("\n".join([*lines, "ready", ""]))

    assert not local.status(home).running


def test_stop_then_start_keeps_data(shared_home: Path) -> None:
    server, _ = local.start(shared_home)
    _execute(server.url(), "create table kept (n int); insert into kept values (42)")

    stopped = local.stop(shared_home)
    assert not stopped.running
    assert not local.status(shared_home).running
    assert not (stopped.data_dir / "postmaster.pid").exists()
    assert local.stop(shared_home) == stopped  # stopping a stopped server is a no-op

    restarted, started = local.start(shared_home)
    assert started is True
    assert restarted.pid != server.pid
    assert _query(restarted.url(), "select n from kept") == [(42,)]
    _execute(restarted.url(), "drop table kept")


def test_failed_start_names_the_log_line(shared_home: Path) -> None:
    local.start(shared_home)
    local.stop(shared_home)
    conf = shared_home.resolve() / "pgdata" / "postgresql.auto.conf"
    original = conf.read_text()
    conf.write_text(original + "no_such_setting_xyz = 1\n")
    try:
        with pytest.raises(LocalServerError) as failure:
            local.start(shared_home)
    finally:
        conf.write_text(original)

    message = str(failure.value)
    assert "no_such_setting_xyz" in message
    assert str(shared_home.resolve() / "pgdata" / "log" / "server.log") in message
    assert "\n" not in failure.value.message
    assert local.start(shared_home)[0].running


def test_start_never_loosens_folder_permissions(shared: Shared) -> None:
    assert shared.started
    assert shared.first.running
    assert Path("/root") in shared.modes_before
    assert {path: path.stat().st_mode for path in shared.modes_before} == shared.modes_before
    if IS_ROOT:
        data_dir = shared.first.data_dir
        account = local._server_account()
        assert account is not None
        assert (data_dir.stat().st_uid, data_dir.stat().st_gid) == (account.pw_uid, account.pw_gid)
        assert stat.S_IMODE(shared.home.stat().st_mode) == 0o755
        assert stat.S_IMODE(shared.home.parent.stat().st_mode) == 0o755


def test_home_in_a_private_folder_is_refused(
    new_home: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = new_home("private")
    private.mkdir(mode=0o700)
    private.chmod(0o700)
    home = private / "cmmsdb"
    monkeypatch.setenv("CMMSDB_HOME", str(home))
    assert local.default_home() == home

    if not IS_ROOT:  # our own 0700 folder is no obstacle for our own server
        assert local.start()[0].running
        return
    with pytest.raises(LocalServerError) as refused:
        local.start()

    assert str(private) in refused.value.message
    assert "0o700" in refused.value.message
    assert refused.value.hint is not None
    assert "CMMSDB_HOME" in refused.value.hint
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert not home.exists()


def test_default_home_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CMMSDB_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", "/srv/xdg")
    expected = Path("/var/lib/cmmsdb") if IS_ROOT else Path("/srv/xdg/cmmsdb")
    assert local.default_home() == expected
    monkeypatch.setenv("CMMSDB_HOME", "/srv/elsewhere")
    assert local.default_home() == Path("/srv/elsewhere")


def test_long_home_path_puts_the_socket_in_tmp(new_home: Factory) -> None:
    home = new_home("h" * 40 + "/" + "long-" * 16)
    assert len(str(home)) > 110

    server, _ = local.start(home)
    try:
        assert server.socket_dir is not None
        assert server.socket_dir != server.data_dir
        assert server.socket_dir.parent == Path("/tmp")
        assert stat.S_IMODE(server.socket_dir.stat().st_mode) == 0o700
        assert server.socket_dir.stat().st_uid == server.data_dir.stat().st_uid
        assert _query(server.url(), "select 1") == [(1,)]
        local.stop(home)
        again, started = local.start(home)  # the existing socket folder is reused
        assert started
        assert again.socket_dir == server.socket_dir
    finally:
        local.stop(home)
        shutil.rmtree(server.socket_dir or "/nonexistent", ignore_errors=True)


def test_concurrent_starts_share_one_server(new_home: Factory) -> None:
    home = new_home("race")
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from cmmsdb.local import start\n"
        "server, started = start(Path(sys.argv[1]))\n"
        "print(json.dumps([server.pid, started]))\n"
    )
    root = Path(__file__).resolve().parent.parent
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(home)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=root,
        )
        for _ in range(2)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=90)
        assert proc.returncode == 0, err
        results.append(json.loads(out))

    pids = {pid for pid, _ in results}
    assert len(pids) == 1
    assert sorted(started for _, started in results) == [False, True]
    assert local.status(home).pid == pids.pop()


def test_unreachable_binaries_are_copied_not_opened(
    new_home: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A venv under a 0700 folder (like /root): as root the binaries are copied to home."""
    private = new_home("private-venv")
    private.mkdir(mode=0o700)
    private.chmod(0o700)
    shipped = local._shipped_pginstall()
    hidden = private / "site-packages" / shipped.parent.name / shipped.name
    libs = shipped.parent.parent / f"{shipped.parent.name}.libs"
    shutil.copytree(shipped, hidden, symlinks=True, copy_function=os.link)
    shutil.copytree(libs, hidden.parent.parent / libs.name, symlinks=True, copy_function=os.link)
    monkeypatch.setattr(local, "_shipped_pginstall", lambda: hidden)
    source_modes = _tree_modes(hidden.parent.parent)
    home = new_home("copying")
    version = local.status(home).version
    torn = home / f"pginstall-{version}"
    if IS_ROOT:  # a copy interrupted earlier: no marker, so it must be redone
        torn.mkdir(parents=True)
        (torn / "leftover").write_text("half a copy")

    server, started = local.start(home)

    assert started
    assert server.running
    assert _query(server.url(), "select 1") == [(1,)]
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert _tree_modes(hidden.parent.parent) == source_modes
    used = local._binaries(home, local._server_account())
    cmdline = Path(f"/proc/{server.pid}/cmdline").read_bytes().split(b"\0")[0]
    assert cmdline.decode() == str(used / "bin" / "postgres")
    if not IS_ROOT:  # run in place: nothing to copy
        assert used == hidden
        assert not torn.exists()
        return
    assert used == torn / shipped.parent.name / shipped.name
    assert (torn / local._COPY_MARKER).is_file()
    assert not (torn / "leftover").exists()
    postgres = (used / "bin" / "postgres").stat().st_mode
    assert postgres & stat.S_IXOTH
    assert postgres & stat.S_IROTH
    assert stat.S_IMODE((used / "lib").stat().st_mode) & 0o005 == 0o005
    assert stat.S_IMODE((torn / libs.name).stat().st_mode) & 0o005 == 0o005
    # the copy's own client programs find the bundled libpq too
    psql = [str(used / "bin" / "psql"), server.url(), "-Atc", "select 2"]
    assert subprocess.run(psql, capture_output=True, text=True, check=True).stdout == "2\n"


def test_unusable_home_is_a_local_server_error(new_home: Factory) -> None:
    blocker = new_home("a-file")
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("not a folder")

    with pytest.raises(LocalServerError):
        local.start(blocker / "home")
    assert blocker.read_text() == "not a folder"


def test_the_port_is_chosen_once_and_kept_across_restarts(shared_home: Path) -> None:
    """A saved URL names the port: it must keep working after a restart."""
    first, _ = local.start(shared_home)
    local.stop(shared_home)

    again, started = local.start(shared_home)

    assert started
    assert again.port == first.port
    assert again.url() == first.url()
    assert again.notice is None
    assert (shared_home / "port").read_text().strip() == str(first.port)


def test_a_taken_port_is_replaced_kept_and_announced(shared_home: Path) -> None:
    first, _ = local.start(shared_home)
    local.stop(shared_home)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", first.port or 0))
        squatter.listen()
        moved, started = local.start(shared_home)

    assert started
    assert moved.port != first.port
    assert moved.notice is not None
    assert f"port {first.port} of the local server" in moved.notice
    assert f"now listens on {moved.port}" in moved.notice
    assert _query(moved.url(), "select 1") == [(1,)]
    local.stop(shared_home)
    kept, _ = local.start(shared_home)  # the new port is the one kept now
    assert (kept.port, kept.notice) == (moved.port, None)


def test_stop_if_running_says_whether_it_stopped_anything(shared_home: Path) -> None:
    local.start(shared_home)

    server, stopped = local.stop_if_running(shared_home)
    assert stopped
    assert not server.running
    server, stopped = local.stop_if_running(shared_home)
    assert not stopped
    assert not server.running
    local.start(shared_home)


def test_reset_drops_and_recreates_the_local_database(shared_home: Path) -> None:
    server, _ = local.start(shared_home)
    _execute(server.url(), "create table doomed (n int)")
    with psycopg.connect(server.url(), autocommit=True) as open_session:  # ended by reset
        open_session.execute("select 1")

        reset = local.reset(shared_home)

    assert reset.url() == server.url()
    assert _query(reset.url(), "select to_regclass('doomed') is null") == [(True,)]


def test_start_returns_only_once_connections_are_accepted_or_fails_at_the_deadline(
    new_home: Factory,
) -> None:
    """A standby without hot standby is "started" for pg_ctl but never accepts a connection:
    start must not return it as ready, and must give up after `wait` seconds."""
    home = new_home("standby")
    server, _ = local.start(home)
    local.stop(home)
    (server.data_dir / "standby.signal").write_text("")
    conf = server.data_dir / "postgresql.auto.conf"
    conf.write_text(conf.read_text() + "hot_standby = off\n")

    began = time.monotonic()
    with pytest.raises(LocalServerError) as timeout:
        local.start(home, wait=2)

    assert 2 <= time.monotonic() - began < 20
    assert "did not accept connections within 2 s" in timeout.value.message
    assert "not accepting connections" in timeout.value.message
    assert timeout.value.hint is not None
    assert "--wait" in timeout.value.hint
