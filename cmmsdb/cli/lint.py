"""cmmsdb lint: a thin wrapper over cmmsdb.linter."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import cmmsdb
from cmmsdb.cli import render
from cmmsdb.cli.options import Json


def lint(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Migration files or folders (*.sql, rollback files included). "
            "Default: the shipped migrations.",
            metavar="PATHS",
            show_default=False,
        ),
    ] = None,
    json: Json = False,
    all_files: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Lint every file of the folders. Default in a git checkout: only the files "
            "that changed (uncommitted, or committed since the upstream branch).",
        ),
    ] = False,
) -> None:
    """Lint migration files; exit 1 on findings.

    Checks style, safety on a live database and cmmsdb's rules.
    """
    report = cmmsdb.lint(paths or (), changed_only=not all_files)
    render.lint_report(report, json)
    if not report.clean:
        raise typer.Exit(1)
