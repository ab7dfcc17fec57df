"""verify, drift and snapshot: the CI guardrails that check a live schema."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cmmsdb.cli import render
from cmmsdb.cli.migrations import target_and_folder
from cmmsdb.cli.options import ConnectTimeout, Dsn, Json, MigrationsDir, Modules

if TYPE_CHECKING:
    from cmmsdb.target import Target

ScratchDsn = Annotated[
    str | None,
    typer.Option(
        "--scratch-dsn",
        help="A server where a temporary database may be created, migrated and dropped "
        "(the role needs CREATEDB).",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    app.command()(verify)
    app.command()(drift)
    app.command()(snapshot)


def _scratch(dsn: str | None, embedded: bool) -> Target | None:
    """The scratch server: --scratch-dsn, else the embedded server with --scratch."""
    from cmmsdb import target

    if dsn is None and not embedded:
        return None
    resolved = target.resolve(dsn, environ={})
    render.local_notice(resolved)
    return resolved


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
    from cmmsdb import verifier

    target, folder = target_and_folder(dsn, migrations)
    report = verifier.verify(target, folder, modules=modules or [], connect_timeout=connect_timeout)
    render.verify_report(report, json)
    if not report.ok:
        raise typer.Exit(1)


def drift(
    dsn: Dsn = None,
    migrations: MigrationsDir = None,
    scratch_dsn: ScratchDsn = None,
    scratch: Annotated[
        bool,
        typer.Option("--scratch", help="Build the expected schema on the embedded server."),
    ] = False,
    json: Json = False,
    connect_timeout: ConnectTimeout = 10.0,
) -> None:
    """Compare the live schema with what migrations build.

    Compares the target's schema with what the migrations build; exits 1 with each difference.
    """
    from cmmsdb import schema_drift as drifts

    target, folder = target_and_folder(dsn, migrations)
    report = drifts.drift(
        target,
        folder,
        scratch=_scratch(scratch_dsn, scratch),
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
    from cmmsdb import schema_drift as drifts

    folder, output = config.snapshot_paths(migrations, output, check=check)
    server = _scratch(scratch_dsn, True)
    assert server is not None
    written = drifts.snapshot_file(server, folder, output, check, connect_timeout)
    render.snapshot_written(written)
    if not written.current:
        raise typer.Exit(1)
