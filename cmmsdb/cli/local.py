"""cmmsdb local start|stop|status|url|reset: the embedded PostgreSQL server for development."""

from __future__ import annotations

from typing import Annotated

import typer

from cmmsdb.cli import render
from cmmsdb.cli.options import Json

app = typer.Typer(
    rich_markup_mode=None, help="The embedded local PostgreSQL server used when no target is given."
)

StartWait = Annotated[
    float,
    typer.Option(
        "--wait",
        min=1,
        help="Seconds to wait for the server to accept connections (then exit 2).",
    ),
]


@app.command()
def start(json: Json = False, wait: StartWait = 30.0) -> None:
    """Start the local server (initialising it on first use); return once it accepts
    connections."""
    from cmmsdb import local

    server, started = local.start(wait=wait)
    render.local_server(server, json, "started" if started else "already running")


@app.command()
def stop(json: Json = False) -> None:
    """Stop the local server; its data stays."""
    from cmmsdb import local

    server, stopped = local.stop_if_running()
    render.local_server(server, json, "stopped" if stopped else "not running")


@app.command()
def status(json: Json = False) -> None:
    """Say whether the local server runs, where, and where its data lives."""
    from cmmsdb import local

    server = local.status()
    render.local_server(server, json, "running" if server.running else "not running")


@app.command()
def url() -> None:
    """Print the local server's connection URL (starting it if needed)."""
    from cmmsdb import local

    server, _ = local.start()
    render.local_port_notice(server)
    typer.echo(server.url())


@app.command()
def reset(
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask; needed when stdin is not a terminal.")
    ] = False,
    json: Json = False,
    wait: StartWait = 30.0,
) -> None:
    """Drop the local database cmmsdb, with everything in it, and create it again, empty."""
    from cmmsdb import local

    if not yes:
        what = f"drop database {local.DEFAULT_DATABASE} of the local server, and every row in it"
        render.confirm_or_refuse("local reset", what)
    render.local_reset(local.reset(wait=wait), json)
