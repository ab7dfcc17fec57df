"""A throwaway Citus cluster on this machine: a coordinator and workers, for tests and
benchmarks (`nox -s tests_citus`, bench/citus_speed.py). Not for production.

Each node is a local server (cmmsdb.local: as root it runs as the system user `cmmsdb`,
and no folder it did not create is loosened) run with the binaries of a PostgreSQL into
which Citus is installed (`.ci/citus-build`: PostgreSQL 15), on a free TCP port, with
`shared_preload_libraries = 'citus'` and trust for 127.0.0.1 (the nodes connect to each
other over TCP as the current role). Every node has database `cmmsdb` with the extension
citus; the workers are added to the coordinator's metadata.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cmmsdb import local
from cmmsdb.errors import LocalServerError
from cmmsdb.resources import statements

PGINSTALL = Path("/usr/lib/postgresql/15")
DATABASE = local.DEFAULT_DATABASE
_TRUST_TCP = "host all all 127.0.0.1/32 trust  # cmmsdb.citus_cluster: nodes connect as any role\n"
_MEMORY_NEEDED = 600 * 1024 * 1024


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


def citus_installed(pginstall: Path = PGINSTALL) -> bool:
    """Whether citus.so and its control file are installed into `pginstall`."""
    control = Path("/usr/share/postgresql") / pginstall.name / "extension" / "citus.control"
    return (pginstall / "lib" / "citus.so").is_file() and control.is_file()


def start(workers: int = 2, *, pginstall: Path = PGINSTALL, shard_count: int = 4) -> Cluster:
    """Start a coordinator and `workers` workers in a new temporary folder (in memory when
    /dev/shm has room); LocalServerError if Citus is not installed or a node fails."""
    if not citus_installed(pginstall):
        raise LocalServerError(
            f"Citus is not installed into {pginstall}", hint="run .ci/citus-build (as root)"
        )
    shm = Path("/dev/shm")
    parent = shm if shm.is_dir() and shutil.disk_usage(shm).free > _MEMORY_NEEDED else None
    base = Path(tempfile.mkdtemp(prefix="cmmsdb-citus-", dir=parent))
    base.chmod(0o755)  # mkdtemp's folder is 0700: only this one is opened, for the server user
    names = ["coordinator", *(f"worker{i}" for i in range(1, workers + 1))]
    try:
        nodes = [_start_node(name, base / name, pginstall) for name in names]
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


def _stop_homes(homes: Sequence[Path], pginstall: Path) -> None:
    for home in homes:
        if (home / "pgdata").exists():
            local.stop(home, pginstall=pginstall)


def _start_node(name: str, home: Path, pginstall: Path) -> Node:
    """initdb + start, then preload citus and trust 127.0.0.1, and restart."""
    import psycopg

    server, _ = local.start(home, pginstall=pginstall)
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        for statement in statements("citus_cluster_node.sql"):
            conn.execute(statement.encode())
    hba = server.data_dir / "pg_hba.conf"
    hba.write_text(_TRUST_TCP + hba.read_text())  # as root the file stays the server user's
    local.stop(home, pginstall=pginstall)
    server, _ = local.start(home, pginstall=pginstall)
    with psycopg.connect(server.url(), autocommit=True) as conn:
        for statement in statements("citus_cluster_citus.sql"):
            conn.execute(statement.encode())
    assert server.port is not None
    return Node(name, home, server.port)


def _join(cluster: Cluster, shard_count: int) -> None:
    """Register the coordinator and the workers in the coordinator's metadata."""
    import psycopg

    with psycopg.connect(cluster.dsn, autocommit=True) as conn:
        conn.execute(f"ALTER SYSTEM SET citus.shard_count = {int(shard_count)}")
        conn.execute("SELECT pg_catalog.pg_reload_conf()")
        conn.execute(
            "SELECT citus_set_coordinator_host('127.0.0.1', %s)", [cluster.coordinator.port]
        )
        for worker in cluster.workers:
            conn.execute("SELECT citus_add_node('127.0.0.1', %s)", [worker.port])
