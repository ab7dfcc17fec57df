"""cmmsdb tenant export|import|delete: thin wrappers over cmmsdb.tenant_transfer.

The rendering lives here rather than in render.py so the commands stay one file to read.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import cmmsdb
from cmmsdb.cli import render
from cmmsdb.cli.options import ConnectTimeout, Dsn, Json, resolved

if TYPE_CHECKING:
    from cmmsdb.tenant_transfer import Confirm, TransferReport

app = typer.Typer(
    rich_markup_mode=None,
    help="Export, import and delete one whole tenant (backup, restore, moves, offboarding).",
)

Organization = Annotated[str, typer.Argument(help="The organization's id (a uuid).")]


@app.command("export")
def export(
    organization: Organization,
    output: Annotated[Path, typer.Option("--output", "-o", help="Archive file to write (a tar).")],
    dsn: Dsn = None,
    json: Json = False,
    connect_timeout: ConnectTimeout = 10.0,
) -> None:
    """Write a tenant's rows, as of one snapshot, to an archive.

    Every tenant table, the audit trail included (docs/tenant-export.md).
    """
    target = resolved(dsn)
    report = cmmsdb.tenant_export(target, organization, output, connect_timeout=connect_timeout)
    _report(report, json)


@app.command("import")
def import_(
    archive: Annotated[Path, typer.Argument(help="An archive written by `tenant export`.")],
    dsn: Dsn = None,
    json: Json = False,
    connect_timeout: ConnectTimeout = 10.0,
) -> None:
    """Load a tenant archive, ids and audit trail kept.

    The target must be at the archive's schema version and not hold the organization.
    """
    report = cmmsdb.tenant_import(resolved(dsn), archive, connect_timeout=connect_timeout)
    _report(report, json)


@app.command("delete")
def delete(
    organization: Organization,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the rows per table; delete nothing.")
    ] = False,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes", "-y", help="Do not ask (without it: asked on a terminal, refused otherwise)."
        ),
    ] = False,
    dsn: Dsn = None,
    json: Json = False,
    connect_timeout: ConnectTimeout = 10.0,
) -> None:
    """Remove a tenant completely, audit trail included.

    Offboarding: every row of the organization, archived work orders and audit records too.
    """
    report = cmmsdb.tenant_delete(
        resolved(dsn),
        organization,
        dry_run=dry_run,
        yes=yes,
        confirm=None if json else _question(),
        connect_timeout=connect_timeout,
    )
    _report(report, json)


def _question() -> Confirm | None:
    """On a terminal, ask before deleting, showing the rows per table (on stderr); elsewhere
    none, and the delete refuses without --yes."""
    if not sys.stdin.isatty():
        return None

    def ask(plan: TransferReport) -> bool:
        sys.stderr.write(_rows(plan) + "\n")
        question = f"Delete organization {plan.organization} and {plan.total_rows:,} rows?"
        return typer.confirm(question, default=False, err=True)

    return ask


def _rows(report: TransferReport) -> str:
    rows = [(name, f"{count:,}") for name, count in report.tables.items()]
    return render._table(("table", "rows"), rows, [""] * len(rows))


def _report(report: TransferReport, as_json: bool) -> None:
    if as_json:
        render.print_json(report.to_dict())
        return
    if report.action == "delete" and report.dry_run:
        sys.stdout.write(_rows(report) + "\n")
        sys.stdout.write(
            f"dry run: would delete organization {report.organization} and "
            f"{report.total_rows:,} rows; nothing was deleted: {report.target}\n"
        )
        return
    verb = {"export": "exported", "import": "imported", "delete": "deleted"}[report.action]
    where = f" ({report.bytes / 1e6:.1f} MB, {report.file})" if report.file else ""
    sys.stdout.write(
        f"{verb} organization {report.organization}: {report.total_rows:,} rows in "
        f"{len(report.tables)} tables{where} in {report.seconds:.2f} s: {report.target}\n"
    )
