"""How results look: aligned, coloured tables and progress lines for people, JSON for machines.

Everything cmmsdb prints goes through here: results on stdout; the local-server notice and
errors on stderr. Tables are drawn here rather than with rich, whose import alone costs
70-90 ms of the 400 ms that `cmmsdb status` may take; colour only on a terminal, and never
with NO_COLOR set.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from cmmsdb.citus_cluster import ClusterState
    from cmmsdb.data_loss import DataLoss
    from cmmsdb.errors import CmmsdbError, DataLossRefused
    from cmmsdb.linter import LintReport
    from cmmsdb.local import LocalServer
    from cmmsdb.migrator import Progress, RunReport, StatusReport
    from cmmsdb.partitions import Action, MaintainReport, Partition, PartitionList
    from cmmsdb.schema_drift import DriftReport, SnapshotFile
    from cmmsdb.seeding import Progress as SeedProgress
    from cmmsdb.seeding import PurgeReport, SeedReport
    from cmmsdb.target import Target
    from cmmsdb.verifier import VerifyReport

_COLOURS = {"red": "31", "green": "32", "yellow": "33", "magenta": "35", "bold": "1", "dim": "2"}
STATE_COLOURS = {
    "applied": "green",
    "pending": "yellow",
    "changed": "red",
    "missing": "red",
    "partial": "magenta",
}


def _paint(text: str, colour: str, stream: TextIO) -> str:
    if os.environ.get("NO_COLOR") or not stream.isatty():
        return text
    return f"\033[{_COLOURS[colour]}m{text}\033[0m"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], colours: Sequence[str]) -> str:
    """Columns padded to their widest cell; `colours` paints each row's second column."""
    widths = [
        max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)
    ]

    def line(cells: Sequence[str], colour: str | None = None) -> str:
        padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=True)]
        if colour:
            padded[1] = _paint(padded[1], colour, sys.stdout)
        return "  ".join(padded).rstrip()

    head = _paint(line(headers), "bold", sys.stdout)
    return "\n".join([head, *(line(row, c) for row, c in zip(rows, colours, strict=True))])


def print_json(data: Any) -> None:
    import json

    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def report_error(exc: CmmsdbError, show_traceback: bool) -> int:
    """Print an expected error as one or two lines on stderr; return its exit code."""
    if show_traceback:
        import traceback

        traceback.print_exc()
    message = " ".join(exc.message.split("\n"))
    sys.stderr.write(f"{_paint('error:', 'red', sys.stderr)} {message}\n")
    if exc.hint:
        sys.stderr.write(f"{_paint('hint:', 'dim', sys.stderr)} {exc.hint}\n")
    return exc.exit_code


def report_unexpected(exc: Exception, show_traceback: bool) -> None:
    """An error cmmsdb did not foresee: still one line, unless --traceback."""
    if show_traceback:
        import traceback

        traceback.print_exc()
    text = str(exc).strip()
    message = text.splitlines()[0] if text else ""
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
    local_port_notice(target.local)


def local_port_notice(server: LocalServer) -> None:
    """On stderr, what the local server's start has to say (its kept port was taken)."""
    if server.notice:
        sys.stderr.write(f"{_paint('note:', 'yellow', sys.stderr)} {server.notice}\n")


def progress(event: Progress) -> None:
    """One line per migration: its id and how long it took."""
    verb = {"apply": "applying", "rollback": "rolling back"}[event.action]
    if event.phase == "start":
        sys.stdout.write(f"{verb} {event.migration_id} ... ")
    elif event.phase == "done":
        sys.stdout.write(f"done in {event.seconds:.2f} s\n")
    else:
        sys.stdout.write(f"\n  lock timeout ({event.detail}); retrying in {event.seconds:g} s\n")
    sys.stdout.flush()


def run_report(report: RunReport, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
    elif report.dry_run:
        sys.stdout.write(_dry_run(report))
    else:
        sys.stdout.write(_summary(report) + "\n")


def _dry_run(report: RunReport) -> str:
    parts = []
    for step in report.steps:
        mode = "transactional" if step.transactional else "non-transactional"
        parts.append(f"-- {report.action} {step.id} ({mode})\n{step.sql or ''}\n\n")
    verb = "apply" if report.action == "migrate" else "roll back"
    parts.append(f"-- dry run: would {verb} {_count(report.steps)}; nothing was changed\n")
    if report.data_loss:
        listed = _losses(report.data_loss, "--   ")
        parts.append(f"-- it would drop data, and refuse without --yes:\n{listed}")
    return "".join(parts)


def _losses(losses: Sequence[DataLoss], indent: str) -> str:
    return "".join(f"{indent}{loss}  ({loss.migration})\n" for loss in losses)


def confirm_or_refuse(command: str, what: str) -> None:
    """Before `command` does `what` (something destructive) without --yes: ask on a terminal
    (no aborts), elsewhere refuse (ConfirmationRequired)."""
    import typer

    from cmmsdb.errors import ConfirmationRequired

    if not sys.stdin.isatty():
        raise ConfirmationRequired(
            f"{command} would {what}; refusing without --yes (stdin is not a terminal)",
            f"run `cmmsdb {command} --yes`",
        )
    typer.confirm(f"{what[0].upper()}{what[1:]}?", abort=True)


def data_loss_question() -> Callable[[Sequence[DataLoss]], bool] | None:
    """On a terminal, a question to ask before a rollback drops data: it lists what would be
    dropped (on stderr) and asks; elsewhere none (the rollback refuses)."""
    if not sys.stdin.isatty():
        return None

    def ask(losses: Sequence[DataLoss]) -> bool:
        import typer

        sys.stderr.write(f"the rollback would drop data:\n{_losses(losses, '  ')}")
        return typer.confirm("Drop it?", default=False, err=True)

    return ask


def data_loss_refused(refused: DataLossRefused, as_json: bool) -> None:
    """With --json, what a refused rollback would have dropped, on stdout."""
    if as_json:
        print_json(refused.details)


def _summary(report: RunReport) -> str:
    created = f"created database for {report.target}\n" if report.created_database else ""
    if not report.steps:
        nothing = "database is up to date" if report.action == "migrate" else "nothing to roll back"
        return f"{created}{nothing}: {report.target}"
    total = sum(step.seconds or 0 for step in report.steps)
    verb = "applied" if report.action == "migrate" else "rolled back"
    dropped = f"\ndropped data: {', '.join(map(str, report.data_loss))}" if report.data_loss else ""
    return f"{created}{verb} {_count(report.steps)} in {total:.2f} s: {report.target}{dropped}"


def status_report(report: StatusReport, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
        return
    rows = [
        (m.id, m.state, (m.applied_at or "")[:19].replace("T", " "), m.applied_by or "")
        for m in report.migrations
    ]
    colours = [STATE_COLOURS.get(m.state, "bold") for m in report.migrations]
    counts: dict[str, int] = {}
    for m in report.migrations:
        counts[m.state] = counts.get(m.state, 0) + 1
    sys.stdout.write(
        f"{report.target}  (PostgreSQL {report.server_version})\n\n"
        f"{_table(('migration', 'state', 'applied at', 'by'), rows, colours)}\n\n"
        + ", ".join(f"{n} {state}" for state, n in counts.items())
        + "\n"
    )


def local_server(server: LocalServer, as_json: bool, state: str) -> None:
    """The embedded server's state, its URL when it runs, and its data folder."""
    local_port_notice(server)
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


def local_reset(server: LocalServer, as_json: bool) -> None:
    """The local database was dropped and created again: say so, with the server's URL."""
    if as_json:
        local_server(server, True, "reset")
        return
    from cmmsdb.local import DEFAULT_DATABASE

    local_port_notice(server)
    sys.stdout.write(
        f"database {DEFAULT_DATABASE} dropped and created again, empty: {server.url()}\n"
    )


def citus_cluster_notices(cluster: ClusterState) -> None:
    """On stderr, what the cluster's start has to say (a node's kept port was taken)."""
    for notice in cluster.notices:
        sys.stderr.write(f"{_paint('note:', 'yellow', sys.stderr)} {notice}\n")


def citus_cluster(cluster: ClusterState, as_json: bool, state: str) -> None:
    """The local Citus cluster's state, the coordinator's URL when it runs, and each node."""
    citus_cluster_notices(cluster)
    url = cluster.dsn if cluster.running else None
    nodes = [
        {
            "name": node.name,
            "running": node.running,
            "port": node.port,
            "pid": node.pid,
            "data_dir": str(node.data_dir),
        }
        for node in cluster.nodes
    ]
    if as_json:
        print_json(
            {
                "state": state,
                "running": cluster.running,
                "url": url,
                "home": str(cluster.home),
                "nodes": nodes,
            }
        )
        return
    sys.stdout.write(f"Citus cluster {state}\n")
    if url:
        sys.stdout.write(f"  url:  {url}\n")
    sys.stdout.write(f"  home: {cluster.home}\n")
    if not nodes:
        sys.stdout.write("  no nodes yet: `cmmsdb cluster start` makes them\n")
        return
    rows = [
        (n.name, "running" if n.running else "stopped", str(n.port or ""), str(n.data_dir))
        for n in cluster.nodes
    ]
    colours = ["green" if n.running else "yellow" for n in cluster.nodes]
    table = _table(("node", "state", "port", "data"), rows, colours)
    sys.stdout.write(f"\n{table}\n")


def _count(steps: Sequence[Any]) -> str:
    return f"{len(steps)} migration" + ("" if len(steps) == 1 else "s")


# --- partitions ----------------------------------------------------------------------------


def partition_list(report: PartitionList, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
        return
    out = [f"{report.target}\n"]
    for table in report.tables:
        how = "monthly, maintained" if table.maintained else "not maintained"
        out.append(f"\n{_paint(table.name, 'bold', sys.stdout)}  {table.key}  ({how})\n")
        rows = [
            (f"  {p.name}", _partition_bounds(p), _partition_rows(p, table.default_rows))
            for p in table.partitions
        ]
        if rows:
            out.append(_table(("  partition", "bounds", "rows"), rows, [""] * len(rows)))
            out.append("\n")
        else:
            out.append("  no partitions\n")
    if not report.tables:
        out.append("no partitioned tables in schema cmms\n")
    out += [_warning(d.partition, d.table, d.rows) for d in report.default_rows]
    sys.stdout.write("".join(out))


def _partition_bounds(partition: Partition) -> str:
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


def _partition_rows(partition: Partition, default_rows: int | None) -> str:
    if partition.is_default and default_rows:
        return f"{default_rows} (exact)"
    return "?" if partition.row_estimate is None else str(partition.row_estimate)


def _warning(partition: str, table: str, rows: int) -> str:
    return (
        f"{_paint('warning:', 'yellow', sys.stdout)} {partition} holds "
        f"{_plural(rows, 'row')} outside every monthly partition of {table}\n"
    )


def action_line(action: Action) -> None:
    """One line per action, as it is done."""
    sys.stdout.write(_action_text(action) + "\n")
    sys.stdout.flush()


def _action_text(action: Action) -> str:
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
        print_json(report.to_dict())
        return
    out = [f"-- {_action_text(a)}\n{a.sql or ''}\n" for a in report.actions if report.dry_run]
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


@contextmanager
def seed_progress(
    enabled: bool, console: Any = None
) -> Iterator[Callable[[SeedProgress], None] | None]:
    """A rich progress bar per table on a terminal (stderr), or on `console`; nothing
    otherwise. Events come one at a time with the table's running total (cmmsdb.seeding),
    so each table gets one bar, completed by the event that says the table is finished."""
    if console is None and not (enabled and sys.stderr.isatty()):
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bars: dict[str, Any] = {}
    columns = (TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=False) as progress:

        def advance(event: SeedProgress) -> None:
            if event.table not in bars:
                bars[event.table] = progress.add_task(event.table, total=event.expected)
            total = event.written if event.finished else max(event.expected, event.written)
            progress.update(bars[event.table], completed=event.written, total=total)

        yield advance


def seed_report(report: SeedReport, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
        return
    rows = [(table, f"{count:,}") for table, count in report.rows.items()]
    sys.stdout.write(_table(("table", "rows"), rows, [""] * len(rows)) + "\n")
    sys.stdout.write(
        f"seeded {_plural(report.tenants, 'fake tenant')} ({report.profile}, seed {report.seed}):"
        f" {report.total_rows:,} rows in {report.seconds:.1f} s"
        f" ({report.rows_per_second:,.0f} rows/s) as {report.written_as}: {report.target}\n"
    )


def purge_report(report: PurgeReport, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
        return
    sys.stdout.write(
        f"removed {_plural(report.organizations, 'fake organization')}, their rows and"
        f" {_plural(report.audit_records, 'audit record')}"
        f" (and {_plural(report.archived_rows, 'row')} archived by cmmsdb archive)"
        f" in {report.seconds:.1f} s:"
        f" {report.target}\n"
    )


def lint_report(report: LintReport, as_json: bool) -> None:
    """One `file:line:col rule message` line per finding (the format editors and CI
    annotations read), then a summary line."""
    if as_json:
        print_json(report.to_dict())
        return
    out = [f"{finding}\n" for finding in report.findings]
    silenced = f" ({len(report.silenced)} silenced)" if report.silenced else ""
    files = _plural(len(report.files), "file")
    unchanged = (
        f"; {_plural(report.unchanged, 'unchanged file')} not linted (--all lints them)"
        if report.unchanged
        else ""
    )
    if report.findings:
        out.append(f"{_plural(len(report.findings), 'finding')} in {files}{silenced}{unchanged}\n")
    elif not report.files:
        out.append(f"no changed file to lint{unchanged}\n")
    else:
        out.append(f"{files} clean{silenced}{unchanged}\n")
    sys.stdout.write("".join(out))


def verify_report(report: VerifyReport, as_json: bool) -> None:
    """One line per finding, `object: message [rule]`, then a count."""
    if as_json:
        print_json(report.to_dict())
        return
    for finding in report.findings:
        sys.stdout.write(f"{finding}\n")
    if report.ok:
        verdict = _paint("ok", "green", sys.stdout)
        sys.stdout.write(f"{verdict}: {len(report.rules)} rules hold on {report.target}\n")
    else:
        failed = len({f.rule for f in report.findings})
        sys.stdout.write(
            f"{_plural(len(report.findings), 'finding')} ({_plural(failed, 'rule')} broken)"
            f" on {report.target}\n"
        )


def drift_report(report: DriftReport, as_json: bool) -> None:
    """One line per difference, `object: what expected -> actual`, then a verdict."""
    if as_json:
        print_json(report.to_dict())
        return
    for difference in report.differences:
        sys.stdout.write(f"{difference}\n")
    against = f"{report.target} against {report.expected_from}"
    if report.ok:
        verdict = _paint("no drift", "green", sys.stdout)
        sys.stdout.write(f"{verdict}: {against} ({report.migrations} migrations)\n")
    else:
        sys.stdout.write(f"{_plural(len(report.differences), 'difference')}: {against}\n")


def snapshot_written(result: SnapshotFile) -> None:
    """The file written, or whether the file checked is current."""
    if result.written:
        sys.stdout.write(f"{result.path} ({result.migrations} migrations)\n")
    elif result.current:
        sys.stdout.write(f"{result.path} is current\n")
    else:
        sys.stderr.write(f"{result.path} is not current: run `cmmsdb snapshot`\n")
