"""cmmsdb new: a new migration pair scaffolded from templates/migration/, to edit and commit."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from cmmsdb.cli import render
from cmmsdb.cli.options import Json, MigrationsDir


class Template(StrEnum):
    """The scaffolds of templates/migration/ (cmmsdb.scaffold.TEMPLATES)."""

    blank = "blank"
    tenant_table = "tenant-table"


def new(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", help="What it does, kebab-case verb-object: create-table-assets."
        ),
    ],
    template: Annotated[
        Template, typer.Option("--template", help="The scaffold to start from.")
    ] = Template.blank,
    table: Annotated[
        str | None,
        typer.Option("--table", help="The table --template tenant-table creates (in cmms)."),
    ] = None,
    hash_partitions: Annotated[
        int | None,
        typer.Option(
            "--hash-partitions",
            metavar="N",
            help="Partition the table BY HASH (organization_id) into N partitions.",
        ),
    ] = None,
    migrations: MigrationsDir = None,
    json: Json = False,
) -> None:
    """Write the next migration pair from a template.

    Writes NNNN.NAME.sql and NNNN.NAME.rollback.sql and prints their paths.
    """
    from cmmsdb import config, scaffold

    folder = config.migrations_to_write(migrations)
    planned = scaffold.plan(
        name, folder, template=template.value, table=table, hash_partitions=hash_partitions
    )
    created = scaffold.write(planned)
    if json:
        render.print_json(created.to_dict())
    else:
        typer.echo(f"{created.forward}\n{created.rollback}")
