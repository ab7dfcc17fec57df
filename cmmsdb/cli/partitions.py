"""cmmsdb partitions list|maintain: thin wrappers over cmmsdb.partitions, and how their
results look (kept here rather than in render.py, beside the only commands that use them)."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from cmmsdb.cli import render
from cmmsdb.cli.migrations import target_and_folder
from cmmsdb.cli.options import ConnectTimeout, DryRun, Dsn, Json, LockRetries, LockTimeout

if TYPE_CHECKING:
    from cmmsdb.partitions import Action, MaintainReport, Partition, PartitionList

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
Wait = Annotated[
    float,
    typer.Option("--wait", min=0, help="Seconds to wait for another maintainer to finish."),
]


@app.command("list")
def list_(
    dsn: Dsn = None,
    json: Json = False,
    lock_timeout: LockTimeout = 5.0,
    connect_timeout: ConnectTimeout = 10.0,
) -> None:
    """Show every partitioned table of schema cmms, its partitions and row estimates."""
    from cmmsdb import partitions

    target, _ = target_and_folder(dsn, None)
    report = partitions.list_partitioned(
        target, lock_timeout=lock_timeout, connect_timeout=connect_timeout
    )
    partition_list(report, json)


@app.command()
def maintain(
    dsn: Dsn = None,
    ahead: Ahead = 3,
    retain: Retain = 12,
    table: Table = None,
    now: Now = None,
    dry_run: DryRun = False,
    json: Json = False,
    lock_timeout: LockTimeout = 5.0,
    lock_retries: LockRetries = 3,
    wait: Wait = 60.0,
    connect_timeout: ConnectTimeout = 10.0,
) -> None:
    """Create the partitions of this month and the next --ahead months; detach those older
    than --retain months into schema cmms_archive. Exits 1 if a default partition holds rows."""
    from cmmsdb import partitions
    from cmmsdb.migrator import Options

    target, _ = target_and_folder(dsn, None)
    report = partitions.maintain(
        target,
        ahead=ahead,
        retain=retain,
        table=table,
        now=now,
        dry_run=dry_run,
        options=Options(lock_timeout, lock_retries, wait, connect_timeout),
        on_progress=None if json or dry_run else action_line,
    )
    maintain_report(report, json)
    if report.problems:
        raise typer.Exit(1)


# --- rendering -----------------------------------------------------------------------------


def partition_list(report: PartitionList, as_json: bool) -> None:
    if as_json:
        render.print_json(report.to_dict())
        return
    out = [f"{report.target}\n"]
    for table in report.tables:
        how = "monthly, maintained" if table.maintained else "not maintained"
        out.append(f"\n{render._paint(table.name, 'bold', sys.stdout)}  {table.key}  ({how})\n")
        rows = [(f"  {p.name}", _bounds(p), _rows(p, table.default_rows)) for p in table.partitions]
        if rows:
            out.append(render._table(("  partition", "bounds", "rows"), rows, [""] * len(rows)))
            out.append("\n")
        else:
            out.append("  no partitions\n")
    if not report.tables:
        out.append("no partitioned tables in schema cmms\n")
    out += [_warning(d.partition, d.table, d.rows) for d in report.default_rows]
    sys.stdout.write("".join(out))


def _bounds(partition: Partition) -> str:
    if partition.is_default:
        return "DEFAULT"
    if partition.range_from or partition.range_to:
        lower = _moment(partition.range_from, "MINVALUE")
        return f"[{lower}, {_moment(partition.range_to, 'MAXVALUE')})"
    return partition.bounds.removeprefix("FOR VALUES ")


def _moment(value: datetime | None, unbounded: str) -> str:
    if value is None:
        return unbounded
    if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
        return value.date().isoformat()
    return value.isoformat(" ")


def _rows(partition: Partition, default_rows: int | None) -> str:
    if partition.is_default and default_rows:
        return f"{default_rows} (exact)"
    return "?" if partition.row_estimate is None else str(partition.row_estimate)


def _warning(partition: str, table: str, rows: int) -> str:
    return (
        f"{render._paint('warning:', 'yellow', sys.stdout)} {partition} holds "
        f"{_plural(rows, 'row')} outside every monthly partition of {table}\n"
    )


def action_line(action: Action) -> None:
    """One line per action, as it is done."""
    sys.stdout.write(_describe(action) + "\n")
    sys.stdout.flush()


def _describe(action: Action) -> str:
    took = f" in {action.seconds:.2f} s" if action.seconds is not None else ""
    span = f"[{action.range_from}, {action.range_to})"
    if action.action == "create":
        return f"created  {action.partition}  {span}{took}"
    if action.action == "archive":
        return f"archived {action.partition} (detached from {action.table})  {span}{took}"
    rows = "?" if action.rows is None else str(action.rows)
    return (
        f"moved    {_plural(action.rows or 0, 'row', rows)} of {action.partition} into new "
        f"partitions {', '.join(action.created)}{took}"
    )


def maintain_report(report: MaintainReport, as_json: bool) -> None:
    if as_json:
        render.print_json(report.to_dict())
        return
    out = [f"-- {_describe(a)}\n{a.sql or ''}\n" for a in report.actions if report.dry_run]
    created = sum(
        len(a.created) if a.created else 1 for a in report.actions if a.action != "archive"
    )
    archived = sum(1 for a in report.actions if a.action == "archive")
    moved = sum(a.rows or 0 for a in report.actions if a.action == "move_default_rows")
    done = ", ".join(
        text
        for count, text in (
            (created, f"{_plural(created, 'partition')} created"),
            (archived, f"{archived} archived"),
            (moved, f"{_plural(moved, 'row')} moved out of default partitions"),
        )
        if count
    )
    tables = ", ".join(report.tables) or "no monthly tables"
    if report.dry_run:
        out.append(f"-- dry run: would have {done or 'nothing to do'}; nothing was changed\n")
    elif done:
        out.append(f"{done} ({tables}): {report.target}\n")
    else:
        out.append(f"partitions are up to date ({tables}, {report.today}): {report.target}\n")
    out += [_warning(d.partition, d.table, d.rows) for d in report.default_rows]
    sys.stdout.write("".join(out))


def _plural(count: int, noun: str, shown: str | None = None) -> str:
    return f"{shown or count} {noun}" + ("" if count == 1 else "s")
