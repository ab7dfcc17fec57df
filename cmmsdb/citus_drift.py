"""`cmmsdb drift` on a Citus coordinator: the expected schema built in a Citus database.

A target migrated with `--with citus` can only be rebuilt where Citus runs: the module
distributes every table, and a plain server refuses it. So the scratch database is made a
real Citus database on the cluster that `--scratch-dsn` names (a coordinator's database,
as a superuser): created on the coordinator and on every worker of that database's
pg_dist_node, with the extension citus on each, and the coordinator and workers registered
in its metadata as they are in the one it was copied from. It is dropped on every node on
the way out, also when building it failed.

What is compared, and what is normalised away (in `distribution`, the one place):

- catalog.snapshot of a coordinator holds no Citus artefact that differs between two Citus
  databases built by the same migrations: Citus's own functions, tables and views belong to
  the extension (represented by the extension alone), the shards live on the workers, and
  the coordinator's shells are ordinary tables. It is compared as on a single server.
- How the tables are spread over the cluster is compared too, as the section
  `distribution`: for each table of the database's Citus metadata (partitions follow their
  parent and are left out) its kind (distributed, reference, local), its distribution
  column and the table its colocation group was started with. Shard ids, shard counts
  (`citus.shard_count` is the cluster's), colocation ids and placements (where a tenant
  lives) legitimately differ between two clusters, or after a tenant move, and are left
  out. Archived partitions (distributed tables of cmms_archive once detached) are left out
  with their tables, by schema_drift's normalisation of partitions.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cmmsdb.errors import DriftUnavailable, PermissionDenied
from cmmsdb.migrations import module_of
from cmmsdb.resources import query
from cmmsdb.target import Target, connect, create_database, extension_installed

if TYPE_CHECKING:
    import psycopg

MODULE = "citus"
EXTENSION = "citus"
SECTION = "distribution"
_HINT = (
    "pass --scratch-dsn naming a Citus coordinator's database, as a superuser (the target's "
    "own coordinator will do: the scratch database is created and dropped on every node)"
)


@dataclass(frozen=True)
class Node:
    """A node of a coordinator's metadata (pg_dist_node), as a scratch database copies it."""

    host: str
    port: int
    is_coordinator: bool
    has_shards: bool


def needs_citus(applied: Sequence[str]) -> bool:
    """Whether migrations `applied` include the citus module: then only a Citus database
    can be migrated like the target."""
    return any(module_of(migration) == MODULE for migration in applied)


def refuse_without_scratch() -> DriftUnavailable:
    """The committed snapshot is a single server's: it cannot describe a Citus target."""
    return DriftUnavailable(
        "the target has the citus module applied: its expected schema can only be built in "
        "a scratch database on a Citus cluster, not read from the committed snapshot",
        _HINT,
    )


def require_citus_server(server: Target, connect_timeout: float) -> None:
    """Refuse a scratch server that cannot build a Citus database: the embedded server, or
    a database where the extension citus is not installed (not a coordinator's)."""
    if server.local is not None:
        raise DriftUnavailable(
            "the target has the citus module applied, and the embedded server (--scratch) "
            "has no Citus",
            _HINT,
        )
    with connect(server, connect_timeout=connect_timeout) as conn:
        if not extension_installed(conn, EXTENSION):
            raise DriftUnavailable(
                f"the target has the citus module applied, but extension citus is not "
                f"installed in the scratch database {server.display}",
                _HINT,
            )


def distribution(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """The `distribution` section of a Citus database (normalised as the module docstring
    says), keyed by table name like catalog.snapshot's sections; {} without Citus."""
    if not extension_installed(conn, EXTENSION):
        return {}
    rows = conn.execute(query("citus_drift_distribution.sql")).fetchall()
    return {
        name: {"kind": kind, "distribution_column": column, "colocated_with": colocated}
        for name, kind, column, colocated in rows
    }


def nodes(server: Target, connect_timeout: float) -> list[Node]:
    """The active primary nodes of the metadata of `server`'s database, coordinator first."""
    with connect(server, connect_timeout=connect_timeout) as conn:
        rows = conn.execute(query("citus_drift_nodes.sql")).fetchall()
    return [Node(host, int(port), bool(coord), bool(shards)) for host, port, coord, shards in rows]


def node_target(server: Target, node: Node, dbname: str) -> Target:
    """Database `dbname` on `node`, with the user and password of `server`'s DSN: the nodes
    of a cluster share their roles, and the metadata names each node by host and port."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(server.dsn)
    params.pop("hostaddr", None)
    params.update(host=node.host, port=str(node.port), dbname=dbname)
    return Target(make_conninfo("", **params), f"{server.source} (node {node.host}:{node.port})")


@contextmanager
def scratch_database(server: Target, connect_timeout: float) -> Iterator[Target]:
    """A new, empty Citus database on the cluster of coordinator database `server`, with
    the same nodes as it: created on every node, dropped on every node on the way out."""
    cluster = nodes(server, connect_timeout)
    workers = [node for node in cluster if not node.is_coordinator]
    database = server.with_dbname(f"cmmsdb_scratch_{uuid.uuid4().hex[:12]}")
    try:
        _create_with_citus(database, connect_timeout)
        for worker in workers:
            _create_with_citus(node_target(server, worker, database.dbname), connect_timeout)
        _join(database, cluster, connect_timeout)
        yield database
    except BaseException:
        _drop_everywhere(server, database.dbname, workers, connect_timeout, strict=False)
        raise
    _drop_everywhere(server, database.dbname, workers, connect_timeout, strict=True)


def _create_with_citus(database: Target, connect_timeout: float) -> None:
    """Create `database` (if the cluster did not propagate it already) with Citus in it;
    a role that may not create the extension gets the fix, not the server's error."""
    from psycopg import errors

    create_database(database, connect_timeout=connect_timeout)
    with connect(database, connect_timeout=connect_timeout) as conn:
        try:
            conn.execute(query("citus_drift_extension.sql"))
        except errors.InsufficientPrivilege as exc:
            raise PermissionDenied(
                f"cannot create extension citus in the scratch database {database.display}: "
                f"{exc.diag.message_primary}",
                "--scratch-dsn must be a superuser's (CREATE EXTENSION citus, citus_add_node)",
            ) from None


def _join(database: Target, cluster: Sequence[Node], connect_timeout: float) -> None:
    """Register the coordinator and the workers in the new database's metadata, each as
    the metadata it was copied from has it (whether it holds shards included)."""
    with connect(database, connect_timeout=connect_timeout) as conn:
        for node in cluster:
            where = {"host": node.host, "port": node.port}
            name = (
                "citus_drift_coordinator.sql" if node.is_coordinator else "citus_drift_worker.sql"
            )
            conn.execute(query(name), where)
            conn.execute(query("citus_drift_node_shards.sql"), {**where, "shards": node.has_shards})


def _drop_everywhere(
    server: Target, dbname: str, workers: Sequence[Node], connect_timeout: float, *, strict: bool
) -> None:
    """Drop the scratch database on the coordinator, then on each worker. Every node is
    tried even if one fails; with `strict` the first failure is raised once all were tried
    (without it an error already on its way out is not masked by one of the drop's)."""
    failures: list[Exception] = []
    for node in [server.with_dbname("postgres")] + [
        node_target(server, worker, "postgres") for worker in workers
    ]:
        try:
            _drop(node, dbname, connect_timeout)
        except Exception as exc:  # the other nodes are still dropped
            failures.append(exc)
    if failures and strict:
        raise failures[0]


def _drop(maintenance: Target, dbname: str, connect_timeout: float) -> None:
    from psycopg import sql

    statement = sql.SQL(query("citus_drift_drop.sql")).format(database=sql.Identifier(dbname))
    with connect(maintenance, connect_timeout=connect_timeout) as conn:
        conn.execute(statement)
