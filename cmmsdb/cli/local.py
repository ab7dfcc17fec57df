"""cmmsdb local start|stop|status|url: the embedded PostgreSQL server for development."""

from __future__ import annotations

import typer

from cmmsdb.cli import render
from cmmsdb.cli.options import Json

app = typer.Typer(
    rich_markup_mode=None, help="The embedded local PostgreSQL server used when no target is given."
)


@app.command()
def start(json: Json = False) -> None:
    """Start the local server (initialising it on first use)."""
    from cmmsdb import local

    server, started = local.start()
    render.local_server(server, json, "started" if started else "already running")


@app.command()
def stop(json: Json = False) -> None:
    """Stop the local server; its data stays."""
    from cmmsdb import local

    render.local_server(local.stop(), json, "stopped")


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
    typer.echo(server.url())
