"""cmmsdb docs: the data dictionary and ER diagram of the target database, as Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import cmmsdb
from cmmsdb.cli.options import ConnectTimeout, Dsn, resolved


def docs(
    dsn: Dsn = None,
    output: Annotated[Path, typer.Option("--output", help="The Markdown file to write.")] = Path(
        "docs/schema.md"
    ),
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if the file is not current.")
    ] = False,
    connect_timeout: ConnectTimeout = 10.0,
) -> None:
    """Write the target's data dictionary as Markdown.

    Tables, columns, keys, comments and a Mermaid ER diagram of schema cmms.
    """
    result = cmmsdb.docs(resolved(dsn), output, check=check, connect_timeout=connect_timeout)
    if result.written:
        typer.echo(result.path)
    elif result.current:
        typer.echo(f"{result.path} is current")
    else:
        typer.echo(f"{result.path} is not current: run `cmmsdb docs --output {output}`", err=True)
        raise typer.Exit(1)
