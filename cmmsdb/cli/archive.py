"""cmmsdb archive: a thin wrapper over cmmsdb.archiving.archive."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

import cmmsdb
from cmmsdb.cli.options import Dsn, Json, resolved, session_options

if TYPE_CHECKING:
    from cmmsdb.archiving import ArchiveReport, Batch
    from cmmsdb.session import Options

OlderThan = Annotated[
    str,
    typer.Option(
        "--older-than", help="Archive work orders finished longer ago than this: 90d, 18m, 2y."
    ),
]
BatchSize = Annotated[
    int, typer.Option("--batch-size", min=1, help="Work orders moved per transaction.")
]
DryRun = Annotated[
    bool,
    typer.Option("--dry-run", help="Count the rows per table that would move; change nothing."),
]


@session_options("archiver")
def archive(
    older_than: OlderThan,
    dsn: Dsn = None,
    batch_size: BatchSize = 500,
    dry_run: DryRun = False,
    json: Json = False,
    *,
    options: Options,
) -> None:
    """Move old closed and cancelled work orders to cmms_archive.

    Those finished before --older-than move, with their logs, checklists, parts used,
    comments, attachments' metadata and labor, in batches. Exits 0 even when nothing is old
    enough (see docs/archive.md)."""
    from cmmsdb import archiving

    age = archiving.parse_age(older_than)  # a bad age fails before connecting
    report = cmmsdb.archive(
        resolved(dsn),
        older_than=age,
        batch_size=batch_size,
        dry_run=dry_run,
        options=options,
        on_batch=None if json else _batch_line,
    )
    _render(report, json)


def _batch_line(batch: Batch) -> None:
    typer.echo(f"batch {batch.number}: {batch.work_orders} work orders in {batch.seconds:.2f} s")


def _render(report: ArchiveReport, as_json: bool) -> None:
    if as_json:
        from cmmsdb.cli.render import print_json

        print_json(report.to_dict())
        return
    verb = "would move" if report.dry_run else "moved"
    width = max(len(t) for t in report.rows)
    for table, count in report.rows.items():
        typer.echo(f"  {table:<{width}}  {count:>9}")
    typer.echo(
        f"{verb} {report.work_orders} work orders finished before "
        f"{report.before:%Y-%m-%d %H:%M} UTC ({report.older_than}) into cmms_archive "
        f"in {report.batches} batches, {report.seconds:.2f} s: {report.target}"
    )
