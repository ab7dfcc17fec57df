"""cmmsdb health: a thin wrapper over cmmsdb.health_checks.health."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

import cmmsdb
from cmmsdb.cli.options import ConnectTimeout, Dsn, Json, resolved

if TYPE_CHECKING:
    from cmmsdb.health_checks import HealthReport

_STYLES = {"green": "green", "yellow": "yellow", "red": "bold red"}


def health(dsn: Dsn = None, json: Json = False, connect_timeout: ConnectTimeout = 10.0) -> None:
    """Report on queries, indexes, sessions, partitions and settings.

    Green, yellow or red findings with advice: top statements (pg_stat_statements), cache
    hits, invalid and unused indexes, bloat, long and idle-in-transaction sessions,
    replication, partitions, connections and settings. Exits 1 on a red finding (see
    docs/health.md)."""
    report = cmmsdb.health(resolved(dsn), connect_timeout=connect_timeout)
    _render(report, json)
    if not report.ok:
        raise typer.Exit(1)


def _render(report: HealthReport, as_json: bool) -> None:
    if as_json:
        from cmmsdb.cli.render import print_json

        print_json(report.to_dict())
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=False)
    table = Table(box=None, show_edge=False, pad_edge=False)
    for column in ("", "check", "finding", "advice"):
        table.add_column(column, overflow="fold")
    for finding in report.findings:
        style = _STYLES[finding.severity]
        table.add_row(
            f"[{style}]{finding.severity}[/]", finding.name, finding.detail, finding.advice or ""
        )
    console.print(table)
    counts = ", ".join(f"{n} {s}" for s, n in report.counts().items())
    console.print(f"{counts}: PostgreSQL {report.server_version} at {report.target}", markup=False)
