"""cmmsdb cluster start|stop|status|url|reset: a local Citus cluster (a coordinator and
workers) kept in a fixed home, for trying `cmmsdb migrate --with citus` on one machine."""

from __future__ import annotations

from typing import Annotated

import typer

from cmmsdb.cli import render
from cmmsdb.cli.options import Json

app = typer.Typer(
    rich_markup_mode=None,
    help="A local Citus cluster (PostgreSQL 15, built by .ci/citus-build): a coordinator and "
    "workers kept in $CMMSDB_CLUSTER_HOME.",
)

Workers = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="Workers of a new cluster (default 2); an existing one keeps its own.",
        show_default=False,
    ),
]


@app.command()
def start(workers: Workers = None, json: Json = False) -> None:
    """Start the cluster, initialising it on first use.

    Returns once every node accepts connections; a stopped cluster restarts with its data
    and ports."""
    from cmmsdb import citus_cluster

    cluster, started = citus_cluster.start_home(workers=workers)
    render.citus_cluster(cluster, json, "started" if started else "already running")


@app.command()
def stop(json: Json = False) -> None:
    """Stop every node of the cluster; its data stays."""
    from cmmsdb import citus_cluster

    cluster, stopped = citus_cluster.stop_home()
    render.citus_cluster(cluster, json, "stopped" if stopped else "not running")


@app.command()
def status(json: Json = False) -> None:
    """Say whether the cluster runs, and where.

    Each node's state, port (kept while stopped) and data folder."""
    from cmmsdb import citus_cluster

    cluster = citus_cluster.status()
    render.citus_cluster(cluster, json, cluster.condition)


@app.command()
def url() -> None:
    """Print the coordinator's URL (starting the cluster if needed).

    The URL names database cmmsdb, as the superuser over the unix socket: for
    `cmmsdb migrate --dsn "$(cmmsdb cluster url)" --with citus`."""
    from cmmsdb import citus_cluster

    cluster, _ = citus_cluster.start_home()
    render.citus_cluster_notices(cluster)
    typer.echo(cluster.dsn)


@app.command()
def reset(
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask; needed when stdin is not a terminal.")
    ] = False,
    workers: Workers = None,
    json: Json = False,
) -> None:
    """Drop the cluster and all its data, and make it again, empty.

    The nodes keep their ports; --workers gives the new cluster that many workers."""
    from cmmsdb import citus_cluster

    if not yes:
        what = f"drop the Citus cluster in {citus_cluster.default_home()} with all its data"
        render.confirm_or_refuse("cluster reset", what)
    render.citus_cluster(citus_cluster.reset_home(workers=workers), json, "reset")
