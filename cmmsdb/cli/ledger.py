"""history, baseline and repair: read and amend cmmsdb's ledger of a database."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

import cmmsdb
from cmmsdb.cli import render
from cmmsdb.cli.options import (
    ConnectTimeout,
    Dsn,
    Json,
    MigrationsDir,
    Scratch,
    ScratchDsn,
    Wait,
    resolved,
    scratch_server,
)

if TYPE_CHECKING:
    from cmmsdb.baselining import BaselineReport
    from cmmsdb.migration_history import HistoryReport
    from cmmsdb.repairing import RepairReport

ACTION_COLOURS = {"apply": "green", "rollback": "yellow", "baseline": "magenta", "repair": "red"}


def register(app: typer.Typer) -> None:
    app.command()(history)
    app.command()(baseline)
    app.command()(repair)


def history(dsn: Dsn = None, json: Json = False, connect_timeout: ConnectTimeout = 10.0) -> None:
    """Show what ran on the database: who, when, how long.

    Every apply, rollback, baseline and repair, oldest first.
    """
    report = cmmsdb.history(resolved(dsn), connect_timeout=connect_timeout)
    history_report(report, json)


def baseline(
    to: Annotated[
        str | None,
        typer.Option("--to", help="The last migration the schema matches (default: yoyo's)."),
    ] = None,
    dsn: Dsn = None,
    migrations: MigrationsDir = None,
    scratch_dsn: ScratchDsn = None,
    scratch: Scratch = False,
    json: Json = False,
    wait: Wait = 60.0,
    connect_timeout: ConnectTimeout = 10.0,
) -> None:
    """Adopt a database: record migrations without running them.

    Only once drift finds the schema is the one they build (up to --to, or those yoyo
    applied); otherwise exit 1 with each difference.
    """
    report = cmmsdb.baseline(
        resolved(dsn),
        migrations,
        to=to,
        scratch=scratch_server(scratch_dsn, scratch),
        wait=wait,
        connect_timeout=connect_timeout,
    )
    baseline_report(report, json)
    if not report.recorded:
        raise typer.Exit(1)


def repair(
    migration: Annotated[str, typer.Argument(help="The applied migration (id or unique prefix).")],
    dsn: Dsn = None,
    migrations: MigrationsDir = None,
    json: Json = False,
    wait: Wait = 60.0,
    connect_timeout: ConnectTimeout = 10.0,
) -> None:
    """Accept a reviewed edit of an applied migration.

    Records the file's new checksum (nothing runs), or forgets a migration whose file is
    gone; logged in the history.
    """
    target = resolved(dsn)
    report = cmmsdb.repair(
        target, migration, migrations, wait=wait, connect_timeout=connect_timeout
    )
    repair_report(report, json)


def history_report(report: HistoryReport, as_json: bool) -> None:
    """One row per event, oldest first: when, what, which migration, as whom, how long."""
    if as_json:
        render.print_json(report.to_dict())
        return
    if not report.events:
        sys.stdout.write(f"no history: cmmsdb never migrated {report.target}\n")
        return
    rows = [
        (
            e.at[:19].replace("T", " "),
            e.action,
            e.id,
            e.by,
            "" if e.duration_ms is None else f"{e.duration_ms / 1000:.2f} s",
            e.detail or "",
        )
        for e in report.events
    ]
    colours = [ACTION_COLOURS.get(e.action, "bold") for e in report.events]
    table = render._table(("at", "action", "migration", "by", "took", "detail"), rows, colours)
    sys.stdout.write(f"{report.target}\n\n{table}\n\n{len(rows)} events\n")


def baseline_report(report: BaselineReport, as_json: bool) -> None:
    """What was recorded, or each difference that refused the baseline."""
    if as_json:
        render.print_json(report.to_dict())
        return
    count = f"{len(report.migrations)} migrations ({report.source})"
    if report.recorded:
        sys.stdout.write(
            f"baselined {count} without running them; the schema matched {report.expected_from}"
            f": {report.target}\n"
        )
        return
    for difference in report.differences:
        sys.stdout.write(f"{difference}\n")
    sys.stdout.write(
        f"refused: {render._plural(len(report.differences), 'difference')} from "
        f"{report.expected_from} built by "
        f"{count}; nothing was recorded: {report.target}\n"
    )


def repair_report(report: RepairReport, as_json: bool) -> None:
    if as_json:
        render.print_json(report.to_dict())
        return
    if report.action == "none":
        text = f"nothing to repair: {report.id} matches its file"
    elif report.action == "forget":
        text = f"forgot {report.id} (its file is gone; its changes stay in the schema)"
    else:
        text = f"accepted the edited {report.id}: checksum recorded, nothing was run"
    sys.stdout.write(f"{text}: {report.target}\n")
