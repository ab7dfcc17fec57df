"""How results look: rich tables and progress lines for people, JSON for machines.

Everything printed by cmmsdb goes through here. Results go to stdout; notices, progress
on stderr-worthy events, and errors go to stderr.
"""

from __future__ import annotations

import json
import sys
import traceback
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from cmmsdb.errors import CmmsdbError
    from cmmsdb.migrator import Progress, RunReport, StatusReport
    from cmmsdb.target import Target

STATE_STYLES = {
    "applied": "green",
    "pending": "yellow",
    "changed": "bold red",
    "missing": "bold red",
    "partial": "bold magenta",
}


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def report_error(exc: CmmsdbError, show_traceback: bool) -> int:
    """Print an expected error as one or two lines on stderr; return its exit code."""
    if show_traceback:
        traceback.print_exc()
    err = _console(stderr=True)
    err.print(f"[bold red]error:[/] {exc.message}", markup=True, highlight=False)
    if exc.hint:
        err.print(f"[dim]hint:[/] {exc.hint}")
    return exc.exit_code


def report_unexpected(exc: Exception, show_traceback: bool) -> None:
    """An error cmmsdb did not foresee: still one line, unless --traceback."""
    if show_traceback:
        traceback.print_exc()
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    sys.stderr.write(f"error: {type(exc).__name__}: {message}\n")
    sys.stderr.write("hint: run again with --traceback and report it if it looks like a bug\n")


def local_notice(target: Target) -> None:
    """Say on stderr that the embedded local server is in use, and where it keeps its data."""
    if target.local is None:
        return
    verb = "started" if target.local_started else "using"
    sys.stderr.write(
        f"{verb} the embedded local server: {target.display} (data: {target.local.data_dir})\n"
    )


def progress(event: Progress) -> None:
    """One line per migration: its id and how long it took; retries on stderr."""
    verb = {"apply": "applying", "rollback": "rolling back"}[event.action]
    if event.phase == "start":
        sys.stdout.write(f"{verb} {event.migration_id} ... ")
        sys.stdout.flush()
    elif event.phase == "done":
        sys.stdout.write(f"done in {event.seconds:.2f} s\n")
    else:
        sys.stdout.write(f"\n  lock timeout ({event.detail}); retrying in {event.seconds:g} s\n")
    sys.stdout.flush()


def run_report(report: RunReport, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
        return
    out = _console()
    if report.dry_run:
        for step in report.steps:
            mode = "transactional" if step.transactional else "non-transactional"
            out.print(f"-- {report.action} {step.id} ({mode})", markup=False)
            out.print(step.sql or "", markup=False)
            out.print()
        verb = "apply" if report.action == "migrate" else "roll back"
        out.print(
            f"-- dry run: would {verb} {_count(report.steps)}; nothing was changed", markup=False
        )
        return
    if report.created_database:
        out.print(f"created database for {report.target}", markup=False)
    if not report.steps:
        nothing = "database is up to date" if report.action == "migrate" else "nothing to roll back"
        out.print(f"{nothing}: {report.target}", markup=False)
        return
    total = sum(step.seconds or 0 for step in report.steps)
    verb = "applied" if report.action == "migrate" else "rolled back"
    out.print(f"{verb} {_count(report.steps)} in {total:.2f} s: {report.target}", markup=False)


def status_report(report: StatusReport, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
        return
    from rich.table import Table

    table = Table(
        title=f"{report.target}  (PostgreSQL {report.server_version})", title_justify="left"
    )
    table.add_column("migration", no_wrap=True)
    for column in ("state", "applied at", "by"):
        table.add_column(column)
    for m in report.migrations:
        style = STATE_STYLES.get(m.state, "")
        applied_at = (m.applied_at or "")[:19].replace("T", " ")
        table.add_row(m.id, f"[{style}]{m.state}[/]", applied_at, m.applied_by or "")
    out = _console()
    out.print(table)
    counts: dict[str, int] = {}
    for m in report.migrations:
        counts[m.state] = counts.get(m.state, 0) + 1
    out.print(", ".join(f"{n} {state}" for state, n in counts.items()), markup=False)


def _count(steps: list[Any]) -> str:
    return f"{len(steps)} migration" + ("" if len(steps) == 1 else "s")


def local_server(server: Any, as_json: bool, state: str) -> None:
    """The embedded server's state, its URL when it runs, and its data folder."""
    url = server.url() if server.running else None
    if as_json:
        print_json(
            {
                "state": state,
                "running": server.running,
                "url": url,
                "pid": server.pid,
                "data_dir": str(server.data_dir),
                "version": server.version,
            }
        )
        return
    sys.stdout.write(f"local server {state}\n")
    if url:
        sys.stdout.write(f"  url:  {url}\n  pid:  {server.pid}\n")
    sys.stdout.write(f"  data: {server.data_dir}\n  PostgreSQL {server.version}\n")
