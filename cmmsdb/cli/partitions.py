"""cmmsdb partitions list|maintain: thin wrappers over cmmsdb.partitions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

import cmmsdb
from cmmsdb.cli import render
from cmmsdb.cli.options import (
    ConnectTimeout,
    DryRun,
    Dsn,
    Json,
    LockTimeout,
    resolved,
    session_options,
)

if TYPE_CHECKING:
    from cmmsdb.session import Options

app = typer.Typer(
    rich_markup_mode=None,
    no_args_is_help=True,
    help="Partitioned tables: list them; create next months' partitions, archive old ones.",
)

Ahead = Annotated[
    int, typer.Option("--ahead", min=0, help="Months after the current one to have partitions for.")
]
Retain = Annotated[
    int,
    typer.Option("--retain", min=0, help="Months before the current one to keep attached."),
]
Table = Annotated[
    str | None,
    typer.Option("--table", help="Only this table (default: every monthly one in cmms)."),
]
Now = Annotated[
    datetime | None,
    typer.Option(
        "--now",
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
        help="Act as if today were this date (UTC), to plan or test. Default: today.",
        show_default=False,
    ),
]


@app.command("list")
def list_(
    dsn: Dsn = None,
    json: Json = False,
    lock_timeout: LockTimeout = 5.0,
    connect_timeout: ConnectTimeout = 10.0,
) -> None:
    """Show every partitioned table of schema cmms, its partitions and row estimates."""
    report = cmmsdb.list_partitions(
        resolved(dsn), lock_timeout=lock_timeout, connect_timeout=connect_timeout
    )
    render.partition_list(report, json)


@app.command()
@session_options("maintainer")
def maintain(
    dsn: Dsn = None,
    ahead: Ahead = 3,
    retain: Retain = 12,
    table: Table = None,
    now: Now = None,
    dry_run: DryRun = False,
    json: Json = False,
    *,
    options: Options,
) -> None:
    """Create the partitions of this month and the next --ahead months; detach those older
    than --retain months into schema cmms_archive. Exits 1 if a default partition holds rows."""
    report = cmmsdb.maintain_partitions(
        resolved(dsn),
        ahead=ahead,
        retain=retain,
        table=table,
        now=now,
        dry_run=dry_run,
        options=options,
        on_progress=None if json or dry_run else render.action_line,
    )
    render.maintain_report(report, json)
    if report.problems:
        raise typer.Exit(1)
