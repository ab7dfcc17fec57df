"""A Citus cluster on this machine: a coordinator and workers. Not for production.

Two kinds, built the same way:

- a kept cluster in a fixed home (`start_home`, `stop_home`, `status`, `reset_home`;
  `cmmsdb cluster start|stop|status|url|reset`), for trying the citus module by hand: a
  later command finds it again by its home, and its data and ports survive a stop;
- a throwaway cluster in a new temporary folder (`start`, `stop`), for tests and
  benchmarks (`nox -s tests_citus`, bench/citus_speed.py), durability settings off.

Each node is a local server (cmmsdb.local: as root it runs as the system user `cmmsdb`,
and no folder it did not create is loosened) run with the binaries of a PostgreSQL into
which Citus is installed (`.ci/citus-build`: PostgreSQL 15), on its own TCP port, with
`shared_preload_libraries = 'citus'` and trust for 127.0.0.1 (the nodes connect to each
other over TCP as the current role). Every node has database `cmmsdb` with the extension
citus; the workers are added to the coordinator's metadata. Setting up a node and joining
the cluster are idempotent, so a start after a stop, or after a start that failed half
way, finishes whatever is missing and repeats nothing.

Layout of a kept cluster's home (see `default_home`):

    home/cluster.lock  flock held while the cluster is started, stopped or reset
    home/workers       the number of workers, written at the first start
    home/coordinator/  the coordinator's local-server home (cmmsdb.local: pgdata/, port)
    home/worker1/ ...  each worker's

A node keeps its port across restarts (cmmsdb.local keeps it in its home's `port` file), so
a saved coordinator URL keeps working. If another program took a worker's port meanwhile,
the worker listens on another one and the coordinator's metadata is updated to it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmmsdb import local
from cmmsdb.errors import ConfigurationError, LocalServerError
from cmmsdb.resources import query, statements

if TYPE_CHECKING:
    import psycopg

PGINSTALL = Path("/usr/lib/postgresql/15")
DATABASE = local.DEFAULT_DATABASE
HOME_VARIABLE = "CMMSDB_CLUSTER_HOME"
DEFAULT_WORKERS = 2
COORDINATOR = "coordinator"
_TRUST_TCP = "host all all 127.0.0.1/32 trust  # cmmsdb.citus_cluster: nodes connect as any role\n"
_MEMORY_NEEDED = 600 * 1024 * 1024
_SYNC_WAIT = 120  # seconds: Citus waits up to 30 s on each unanswered old port
_KEPT = ("citus_cluster_node.sql",)
_THROWAWAY = ("citus_cluster_node.sql", "citus_cluster_throwaway.sql")


@dataclass(frozen=True)
class Node:
    name: str
    home: Path
    port: int

    def url(self, database: str = DATABASE) -> str:
        """A superuser's URL over the unix socket."""
        return local.status(self.home).url(database)


@dataclass(frozen=True)
class Cluster:
    base: Path
    coordinator: Node
    workers: tuple[Node, ...]
    pginstall: Path

    @property
    def dsn(self) -> str:
        """The coordinator's database `cmmsdb`, as the superuser."""
        return self.coordinator.url()

    @property
    def nodes(self) -> tuple[Node, ...]:
        return (self.coordinator, *self.workers)


@dataclass(frozen=True)
class NodeState:
    """One node of a kept cluster as its files and the process table say it is now."""

    name: str
    home: Path
    data_dir: Path
    running: bool
    port: int | None  # where it listens; stopped, the kept port it will listen on
    pid: int | None
    url: str | None  # the superuser's URL of database cmmsdb (unix socket), when running


@dataclass(frozen=True)
class ClusterState:
    """A kept cluster: its home and its nodes, coordinator first (none before the first
    start). `notices` are what the start has to say (a port that changed)."""

    home: Path
    nodes: tuple[NodeState, ...]
    notices: tuple[str, ...] = ()

    @property
    def running(self) -> bool:
        return bool(self.nodes) and all(node.running for node in self.nodes)

    @property
    def condition(self) -> str:
        """`running`, `partly running` (a node stopped or crashed) or `not running`."""
        if self.running:
            return "running"
        return "partly running" if any(n.running for n in self.nodes) else "not running"

    @property
    def dsn(self) -> str:
        """The coordinator's database `cmmsdb`, as the superuser, over the unix socket."""
        url = self.nodes[0].url if self.running else None
        if url is None:
            raise LocalServerError(
                f"the Citus cluster in {self.home} is not running",
                hint="start it with `cmmsdb cluster start`",
            )
        return url


def citus_installed(pginstall: Path = PGINSTALL) -> bool:
    """Whether citus.so and its control file are installed into `pginstall`."""
    control = Path("/usr/share/postgresql") / pginstall.name / "extension" / "citus.control"
    return (pginstall / "lib" / "citus.so").is_file() and control.is_file()


def _require_citus(pginstall: Path) -> None:
    if not citus_installed(pginstall):
        raise LocalServerError(
            f"Citus is not installed into PostgreSQL {pginstall.name} ({pginstall})",
            hint="run .ci/citus-build (as root)",
        )


# --- the throwaway cluster --------------------------------------------------------------------


def start(workers: int = 2, *, pginstall: Path = PGINSTALL, shard_count: int = 4) -> Cluster:
    """Start a coordinator and `workers` workers in a new temporary folder (in memory when
    /dev/shm has room); LocalServerError if Citus is not installed or a node fails."""
    _require_citus(pginstall)
    shm = Path("/dev/shm")
    parent = shm if shm.is_dir() and shutil.disk_usage(shm).free > _MEMORY_NEEDED else None
    base = Path(tempfile.mkdtemp(prefix="cmmsdb-citus-", dir=parent))
    base.chmod(0o755)  # mkdtemp's folder is 0700: only this one is opened, for the server user
    names = _names(workers)
    try:
        nodes = [_start_node(name, base / name, pginstall, _THROWAWAY)[0] for name in names]
        cluster = Cluster(base, nodes[0], tuple(nodes[1:]), pginstall)
        _join(cluster, shard_count)
    except BaseException:
        _stop_homes([base / name for name in names], pginstall)
        shutil.rmtree(base, ignore_errors=True)
        raise
    return cluster


def stop(cluster: Cluster) -> None:
    """Stop every node and remove the cluster's folder."""
    try:
        _stop_homes([node.home for node in cluster.nodes], cluster.pginstall)
    finally:
        shutil.rmtree(cluster.base, ignore_errors=True)


# --- the kept cluster -------------------------------------------------------------------------


def default_home() -> Path:
    """$CMMSDB_CLUSTER_HOME, else `cmmsdb-citus` beside the embedded server's default home
    (/var/lib/cmmsdb-citus as root): a folder of its own, so that removing either's data
    leaves the other's alone."""
    configured = os.environ.get(HOME_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    embedded = local.default_home()
    return embedded.parent / f"{embedded.name}-citus"


def status(home: Path | None = None) -> ClusterState:
    """The kept cluster of `home` (default: `default_home`); never creates or starts
    anything."""
    home = _resolve(home)
    workers = _recorded_workers(home)
    names = _names(workers) if workers is not None else []
    return ClusterState(home, tuple(_node_state(name, home / name) for name in names))


def start_home(
    home: Path | None = None,
    *,
    workers: int | None = None,
    pginstall: Path = PGINSTALL,
    shard_count: int = 4,
) -> tuple[ClusterState, bool]:
    """Make sure the kept cluster of `home` runs: on first use, initialise a coordinator and
    `workers` workers (default 2); afterwards start whichever nodes are stopped, with their
    data and ports. Returns it and whether this call started a node. LocalServerError if
    Citus is not installed or a node fails; ConfigurationError if `workers` is not the
    number the cluster has."""
    _require_citus(pginstall)
    home = _resolve(home)
    local._make_home(home)
    with _locked(home):
        recorded = _recorded_workers(home)
        if recorded is not None and workers is not None and workers != recorded:
            raise ConfigurationError(
                f"the Citus cluster in {home} has {recorded} workers, not {workers}",
                hint=f"start it without --workers, or `cmmsdb cluster reset --yes --workers "
                f"{workers}` to drop it and make it again",
            )
        return _start_locked(home, recorded or workers or DEFAULT_WORKERS, pginstall, shard_count)


def stop_home(
    home: Path | None = None, *, pginstall: Path = PGINSTALL
) -> tuple[ClusterState, bool]:
    """Stop every node of the kept cluster of `home` (fast shutdown); its data stays.
    Returns it and whether this call stopped a node."""
    before = status(home)
    if not any(node.running for node in before.nodes):
        return before, False
    with _locked(before.home):
        _stop_homes([node.home for node in reversed(before.nodes)], pginstall)
    return status(before.home), True


def reset_home(
    home: Path | None = None,
    *,
    workers: int | None = None,
    pginstall: Path = PGINSTALL,
    shard_count: int = 4,
) -> ClusterState:
    """Drop the kept cluster of `home`, every node's data with it, and initialise it again,
    empty, on the same ports, with `workers` workers (default: as many as it had)."""
    _require_citus(pginstall)
    home = _resolve(home)
    local._make_home(home)
    with _locked(home):
        # The node folders as they are, not as `workers` says: a damaged file is reset too.
        found = sorted(p.name for p in home.glob("worker*") if p.name[6:].isdigit())
        names = [name for name in [COORDINATOR, *found] if (home / name).is_dir()]
        count = workers or len(found) or DEFAULT_WORKERS
        _stop_homes([home / name for name in reversed(names)], pginstall)
        for name in names:
            if name in _names(count):
                _drop_data(home / name)  # its `port` stays: the URL stays the same
            else:
                shutil.rmtree(home / name)
        (home / "workers").unlink(missing_ok=True)
        state, _ = _start_locked(home, count, pginstall, shard_count)
    return state


def _start_locked(
    home: Path, workers: int, pginstall: Path, shard_count: int
) -> tuple[ClusterState, bool]:
    """start_home's work, under the cluster's lock."""
    if workers < 1:
        raise ConfigurationError(f"a Citus cluster needs at least one worker, not {workers}")
    (home / "workers").write_text(f"{workers}\n")
    before = status(home)
    started = [_start_node(name, home / name, pginstall, _KEPT) for name in _names(workers)]
    nodes = [node for node, _ in started]
    _join(Cluster(home, nodes[0], tuple(nodes[1:]), pginstall), shard_count)
    notices = tuple(notice for _, notice in started if notice)
    after = status(home)
    return ClusterState(after.home, after.nodes, notices), not before.running


def _resolve(home: Path | None) -> Path:
    """An absolute home without symlinks, as cmmsdb.local resolves a server's home."""
    return (home if home is not None else default_home()).expanduser().resolve()


def _names(workers: int) -> list[str]:
    return [COORDINATOR, *(f"worker{i}" for i in range(1, workers + 1))]


def _recorded_workers(home: Path) -> int | None:
    """The number of workers written at the first start; None before it."""
    try:
        text = (home / "workers").read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not text.isdigit() or int(text) < 1:
        raise LocalServerError(
            f"{home / 'workers'} should hold the number of workers, not {text!r}",
            hint="write it back, or `cmmsdb cluster reset --yes` to make the cluster again",
        )
    return int(text)


def _node_state(name: str, home: Path) -> NodeState:
    server = local.status(home)
    port = server.port if server.running else local._kept_port(home)
    url = server.url() if server.running else None
    return NodeState(name, home, server.data_dir, server.running, port, server.pid, url)


def _drop_data(home: Path) -> None:
    """Remove a stopped node's data folder and initdb log: the next start runs initdb."""
    if (home / "pgdata").exists():
        shutil.rmtree(home / "pgdata")
    (home / "initdb.log").unlink(missing_ok=True)


def _locked(home: Path) -> contextlib.AbstractContextManager[None]:
    """Hold an exclusive flock on home/cluster.lock: one process starts, stops or resets the
    cluster at a time (each node's own lock only covers that node)."""
    return local.file_lock(home / "cluster.lock")


# --- nodes, shared by both kinds --------------------------------------------------------------


def _stop_homes(homes: Sequence[Path], pginstall: Path) -> None:
    for home in homes:
        if (home / "pgdata").exists():
            local.stop(home, pginstall=pginstall)


def _start_node(
    name: str, home: Path, pginstall: Path, settings: Sequence[str]
) -> tuple[Node, str | None]:
    """Start the node of `home` (initdb on first use); the first time, preload citus, trust
    127.0.0.1 and restart, then create the extension. What is already done is not done
    again. Returns the node and what its start had to say (a port that changed)."""
    import psycopg

    server, _ = local.start(home, pginstall=pginstall)
    notice = server.notice
    hba = server.data_dir / "pg_hba.conf"
    with psycopg.connect(server.url(), autocommit=True) as conn:
        ready = conn.execute(query("citus_cluster_node_ready.sql")).fetchone()
        preloaded, created = ready if ready is not None else (False, False)
        trusted = _TRUST_TCP in hba.read_text()
        if not (preloaded and trusted):
            for statement in (s for file in settings for s in statements(file)):
                conn.execute(statement.encode())
    if not trusted:
        hba.write_text(_TRUST_TCP + hba.read_text())  # as root the file stays the server user's
    if not (preloaded and trusted):
        local.stop(home, pginstall=pginstall)
        server, _ = local.start(home, pginstall=pginstall)
        notice = server.notice or notice
    if not created:
        with psycopg.connect(server.url(), autocommit=True) as conn:
            for statement in statements("citus_cluster_citus.sql"):
                conn.execute(statement.encode())
    assert server.port is not None
    return Node(name, home, server.port), notice


def _join(cluster: Cluster, shard_count: int) -> None:
    """Register the coordinator and the workers in the coordinator's metadata. A node it
    knows already (by the group it gave the node) is never added twice, only moved to its
    new port if that changed: every worker first, then the coordinator, since Citus syncs
    the metadata to every worker at the port it has for it, and refuses another change
    until that is done."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(cluster.dsn, autocommit=True) as conn:
        for statement in statements("citus_cluster_shard_count.sql"):
            conn.execute(sql.SQL(statement).format(shard_count=sql.Literal(int(shard_count))))
        missing, moved = [], False
        for worker in cluster.workers:
            with psycopg.connect(worker.url(), autocommit=True) as on_worker:
                row = on_worker.execute(query("citus_cluster_local_group.sql")).fetchone()
            known = _known(conn, row[0]) if row is not None and row[0] else None
            if known is None:
                missing.append(worker)
            elif known[1] != worker.port:
                params = {"nodeid": known[0], "port": worker.port}
                conn.execute(query("citus_cluster_update_node.sql"), params)
                moved = True
        if moved:
            _wait_synced(conn)
        known = _known(conn, 0)
        if known is None or known[1] != cluster.coordinator.port:
            params = {"port": cluster.coordinator.port}
            conn.execute(query("citus_cluster_coordinator.sql"), params)
            _wait_synced(conn)
        for worker in missing:
            conn.execute(query("citus_cluster_add_node.sql"), {"port": worker.port})


def _known(conn: psycopg.Connection[Any], group: int) -> tuple[int, int] | None:
    """The node id and port the coordinator has for `group`, if any."""
    row = conn.execute(query("citus_cluster_group_port.sql"), {"groupid": group}).fetchone()
    return (row[0], row[1]) if row is not None else None


def _wait_synced(conn: psycopg.Connection[Any]) -> None:
    """Return once every worker has the coordinator's current metadata (the maintenance
    daemon syncs it within seconds); LocalServerError after _SYNC_WAIT."""
    deadline = time.monotonic() + _SYNC_WAIT
    while True:
        row = conn.execute(query("citus_cluster_synced.sql")).fetchone()
        if row is not None and row[0]:
            return
        if time.monotonic() > deadline:
            raise LocalServerError(
                f"the Citus workers did not take the new node ports within {_SYNC_WAIT} s",
                hint="see the coordinator's log, then run `cmmsdb cluster start` again",
            )
        time.sleep(0.2)
