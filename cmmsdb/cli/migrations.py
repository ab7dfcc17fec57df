"""migrate, rollback and status: the CLI of cmmsdb.migrate, cmmsdb.rollback, cmmsdb.status."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

import cmmsdb
from cmmsdb.cli import render
from cmmsdb.cli.options import (
    ConnectTimeout,
    DryRun,
    Dsn,
    Json,
    MigrationsDir,
    Modules,
    resolved,
    session_options,
)

if TYPE_CHECKING:
    from cmmsdb.session import Options


def register(app: typer.Typer) -> None:
    app.command()(migrate)
    app.command()(rollback)
    app.command()(status)


@session_options("migrator")
def migrate(
    dsn: Dsn = None,
    migrations: MigrationsDir = None,
    modules: Modules = None,
    to: Annotated[str | None, typer.Option("--to", help="Stop after this migration.")] = None,
    dry_run: DryRun = False,
    create_db: Annotated[
        bool, typer.Option("--create-db", help="Create the database if it is missing.")
    ] = False,
    allow_changed: Annotated[
        bool, typer.Option("--allow-changed", help="Migrate even if applied files were edited.")
    ] = False,
    json: Json = False,
    *,
    options: Options,
) -> None:
    """Apply the pending migrations, in order.

    The migrations first, then those of the optional modules.
    """
    report = cmmsdb.migrate(
        resolved(dsn),
        migrations,
        modules=modules or [],
        to=to,
        dry_run=dry_run,
        create_db=create_db,
        allow_changed=allow_changed,
        options=options,
        on_progress=None if json or dry_run else render.progress,
    )
    render.run_report(report, json)


@session_options("migrator")
def rollback(
    dsn: Dsn = None,
    migrations: MigrationsDir = None,
    steps: Annotated[
        int | None, typer.Option("--steps", min=1, help="Roll back the last N (default 1).")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Roll back everything applied after this one.")
    ] = None,
    everything: Annotated[bool, typer.Option("--all", help="Roll back every migration.")] = False,
    dry_run: DryRun = False,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            "-y",
            help="Roll back even if it drops tables or columns holding data (without it: "
            "asked on a terminal, refused otherwise).",
        ),
    ] = False,
    json: Json = False,
    *,
    options: Options,
) -> None:
    """Roll back applied migrations, newest first."""
    from cmmsdb.errors import DataLossRefused

    if sum([steps is not None, to is not None, everything]) > 1:
        raise typer.BadParameter("choose one of --steps, --to and --all")
    try:
        report = cmmsdb.rollback(
            resolved(dsn),
            migrations,
            steps=steps,
            to=to,
            everything=everything,
            dry_run=dry_run,
            allow_data_loss=yes,
            confirm=None if json else render.data_loss_question(),
            options=options,
            on_progress=None if json or dry_run else render.progress,
        )
    except DataLossRefused as refused:
        render.data_loss_refused(refused, json)
        raise
    render.run_report(report, json)


def status(
    dsn: Dsn = None,
    migrations: MigrationsDir = None,
    modules: Modules = None,
    json: Json = False,
    exit_code: Annotated[
        bool,
        typer.Option("--exit-code", help="Exit 1 if anything is pending, changed or missing."),
    ] = False,
    connect_timeout: ConnectTimeout = 10.0,
) -> None:
    """List every migration and whether it is applied.

    Each is applied, pending, changed, missing or partial.
    """
    report = cmmsdb.status(
        resolved(dsn),
        migrations,
        modules=modules or [],
        connect_timeout=connect_timeout,
    )
    render.status_report(report, json)
    if exit_code and report.problems:
        raise typer.Exit(1)
