"""cmmsdb archive and cmmsdb restore: thin wrappers over cmmsdb.archive and
cmmsdb.restore."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

import cmmsdb
from cmmsdb.cli.options import Dsn, Json, resolved, session_options

if TYPE_CHECKING:
    from cmmsdb.archiving import ArchiveReport, Batch, Moved, RestoreReport
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
    typer.Option(
        "--dry-run",
        help="Count the rows per table that would move, with read-only queries: no lock, "
        "no change.",
    ),
]
Exact = Annotated[
    bool,
    typer.Option(
        "--exact",
        help="With --dry-run: move everything in one transaction and roll it back (row locks, "
        "briefly; rows others lock left out, as a run would).",
    ),
]
Organization = Annotated[str, typer.Argument(help="The organization's id (a uuid).")]
Ids = Annotated[
    list[str] | None,
    typer.Option(
        "--id",
        metavar="UUID",
        help="An archived work order of the organization to restore; repeatable.",
        show_default=False,
    ),
]
Since = Annotated[
    datetime | None,
    typer.Option(
        "--since",
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
        metavar="DATE",
        help="Restore the organization's work orders archived at or after this date (UTC).",
        show_default=False,
    ),
]


@session_options("archiver")
def archive(
    older_than: OlderThan,
    dsn: Dsn = None,
    batch_size: BatchSize = 500,
    dry_run: DryRun = False,
    exact: Exact = False,
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
        exact=exact,
        options=options,
        on_batch=None if json else _batch_line,
    )
    _render(report, json)


@session_options(None)
def restore(
    organization: Organization,
    dsn: Dsn = None,
    ids: Ids = None,
    since: Since = None,
    json: Json = False,
    *,
    options: Options,
) -> None:
    """Move archived work orders of one tenant back into cmms.

    Those given by --id and/or archived since --since, with everything archived with them,
    in one transaction. Exits 0 even when none was found (see docs/archive.md)."""
    report = cmmsdb.restore(resolved(dsn), organization, ids or [], since=since, options=options)
    _render_restore(report, json)


def _batch_line(batch: Batch) -> None:
    typer.echo(f"batch {batch.number}: {batch.work_orders} work orders in {batch.seconds:.2f} s")


def _render(report: ArchiveReport, as_json: bool) -> None:
    if as_json:
        from cmmsdb.cli.render import print_json

        print_json(report.to_dict())
        return
    verb = "would move" if report.dry_run else "moved"
    _table(report)
    typer.echo(
        f"{verb} {report.work_orders} work orders finished before "
        f"{report.before:%Y-%m-%d %H:%M} UTC ({report.older_than}) into cmms_archive "
        f"in {report.batches} batches, {report.seconds:.2f} s: {report.target}"
    )


def _render_restore(report: RestoreReport, as_json: bool) -> None:
    if as_json:
        from cmmsdb.cli.render import print_json

        print_json(report.to_dict())
        return
    _table(report)
    asked = [f"{report.requested} requested by id"] if report.requested else []
    if report.since:
        asked.append(f"archived since {report.since:%Y-%m-%d %H:%M} UTC")
    typer.echo(
        f"restored {report.work_orders} work orders ({', '.join(asked)}) of organization "
        f"{report.organization_id} from cmms_archive: {report.target}"
    )


def _table(report: Moved) -> None:
    """Rows per table, one line each (nothing when no table was touched)."""
    width = max((len(t) for t in report.rows), default=0)
    for table, count in report.rows.items():
        typer.echo(f"  {table:<{width}}  {count:>9}")
