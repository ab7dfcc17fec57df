"""verify, drift and snapshot: the CI guardrails that check a live schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import cmmsdb
from cmmsdb.cli import render
from cmmsdb.cli.options import (
    ConnectTimeout,
    Dsn,
    Json,
    MigrationsDir,
    Modules,
    Scratch,
    ScratchDsn,
    resolved,
    scratch_server,
)


def register(app: typer.Typer) -> None:
    app.command()(verify)
    app.command()(drift)
    app.command()(snapshot)


def verify(
    dsn: Dsn = None,
    migrations: MigrationsDir = None,
    modules: Modules = None,
    json: Json = False,
    connect_timeout: ConnectTimeout = 10.0,
) -> None:
    """Check the data-model rules and applied checksums.

    Checks the data-model rules and the applied migrations' checksums; exits 1 on findings.
    """
    report = cmmsdb.verify(
        resolved(dsn),
        migrations,
        modules=modules or [],
        connect_timeout=connect_timeout,
    )
    render.verify_report(report, json)
    if not report.ok:
        raise typer.Exit(1)


def drift(
    dsn: Dsn = None,
    migrations: MigrationsDir = None,
    scratch_dsn: ScratchDsn = None,
    scratch: Scratch = False,
    json: Json = False,
    connect_timeout: ConnectTimeout = 10.0,
) -> None:
    """Compare the live schema with what migrations build.

    Compares the target's schema with what the migrations build; exits 1 with each difference.
    """
    report = cmmsdb.drift(
        resolved(dsn),
        migrations,
        scratch=scratch_server(scratch_dsn, scratch),
        connect_timeout=connect_timeout,
    )
    render.drift_report(report, json)
    if not report.ok:
        raise typer.Exit(1)


def snapshot(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="File to write. Default: schema.json beside the project's migrations.",
            show_default=False,
        ),
    ] = None,
    migrations: MigrationsDir = None,
    scratch_dsn: ScratchDsn = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if the file is not current.")
    ] = False,
    connect_timeout: ConnectTimeout = 10.0,
) -> None:
    """Write the schema the migrations build, for drift.

    Migrates a scratch database and writes its normalised schema beside the migrations of
    the project in the current folder (or to --output).
    """
    from cmmsdb import config

    folder, output = config.snapshot_paths(migrations, output, check=check)
    server = scratch_server(scratch_dsn, True)
    assert server is not None
    written = cmmsdb.snapshot(server, folder, output, check, connect_timeout)
    render.snapshot_written(written)
    if not written.current:
        raise typer.Exit(1)
