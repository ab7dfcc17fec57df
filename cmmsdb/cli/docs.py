"""cmmsdb docs: the data dictionary and ER diagram of the target database, as Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cmmsdb.cli.migrations import target_and_folder
from cmmsdb.cli.options import ConnectTimeout, Dsn


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
    """Write the data dictionary (tables, columns, keys, comments) and a Mermaid ER diagram."""
    from cmmsdb import docs as data_dictionary

    target, _ = target_and_folder(dsn, None)
    text = data_dictionary.document(target, connect_timeout)
    if check:
        if not output.is_file() or output.read_text(encoding="utf-8") != text:
            typer.echo(f"{output} is not current: run `cmmsdb docs --output {output}`", err=True)
            raise typer.Exit(1)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    typer.echo(output)
