"""Options shared by several commands, declared once."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from cmmsdb.target import Target

Dsn = Annotated[
    str | None,
    typer.Option(
        "--dsn",
        help="Target database (URL or libpq keywords). Default: $CMMSDB_DSN, $DATABASE_URL, "
        "else the embedded local server.",
        show_default=False,
    ),
]
MigrationsDir = Annotated[
    Path | None,
    typer.Option(
        "--migrations",
        envvar="CMMSDB_MIGRATIONS",
        help="Migrations folder. Default: the migrations shipped with cmmsdb (new and "
        "snapshot: sql/migrations of the project in the current folder).",
        show_default=False,
    ),
]
Modules = Annotated[
    list[str] | None,
    typer.Option(
        "--with",
        metavar="MODULE",
        help="Include the optional module MODULE (a folder of the modules folder beside the "
        "migrations folder); repeatable. Modules already applied are always included.",
        show_default=False,
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Print the SQL that would run; change nothing.")
]
ConnectTimeout = Annotated[
    float, typer.Option("--connect-timeout", min=1, help="Seconds to wait for the server.")
]
LockTimeout = Annotated[
    float,
    typer.Option(
        "--lock-timeout",
        min=0.1,
        help="Most seconds one attempt may wait for a table lock (attempts start at 0.1 and "
        "double up to it).",
    ),
]
LockRetries = Annotated[
    int, typer.Option("--lock-retries", min=0, help="Attempts after the first lock timeout.")
]
ScratchDsn = Annotated[
    str | None,
    typer.Option(
        "--scratch-dsn",
        help="A server where a temporary database may be created, migrated and dropped "
        "(the role needs CREATEDB).",
        show_default=False,
    ),
]
Scratch = Annotated[
    bool, typer.Option("--scratch", help="Build the expected schema on the embedded server.")
]


def _wait(holder: str) -> Any:
    """--wait, for commands that take turns with another `holder` (an advisory lock)."""
    return typer.Option("--wait", min=0, help=f"Seconds to wait for another {holder} to finish.")


Wait = Annotated[float, _wait("migrator")]


def session_options(
    holder: str | None,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command --lock-timeout, --lock-retries, --wait and --connect-timeout, passed to
    it as one `options: cmmsdb.session.Options` (declared once, not in every command). A
    command that takes no advisory lock (holder None) has no --wait."""
    from cmmsdb.session import Options

    added = [
        _keyword("lock_timeout", LockTimeout, Options.lock_timeout),
        _keyword("lock_retries", LockRetries, Options.lock_retries),
        *([_keyword("wait", Annotated[float, _wait(holder)], Options.wait)] if holder else []),
        _keyword("connect_timeout", ConnectTimeout, float(Options.connect_timeout)),
    ]

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(command, eval_str=True, locals={"Options": Options})
        parameters = [p for p in signature.parameters.values() if p.name != "options"] + added

        @functools.wraps(command)
        def run(**given: Any) -> None:
            chosen = {p.name: given.pop(p.name) for p in added}
            command(**given, options=Options(**chosen))

        run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in parameters}
        return run

    return decorate


def _keyword(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


def resolved(dsn: str | None, environ: Mapping[str, str] | None = None) -> Target:
    """The target of --dsn (else the environment, else the embedded local server, started on
    demand), with a note on stderr when it is the local server."""
    from cmmsdb import target
    from cmmsdb.cli import render

    found = target.resolve(dsn, environ)
    render.local_notice(found)
    return found


def scratch_server(dsn: str | None, embedded: bool) -> Target | None:
    """The scratch server: --scratch-dsn, else the embedded server with --scratch."""
    if dsn is None and not embedded:
        return None
    return resolved(dsn, environ={})


def default_map(command: Any, defaults: Mapping[str, Any], source: str = "") -> dict[str, Any]:
    """click's default_map for `command` (typer's click command) and every subcommand: each
    parameter named in `defaults` takes its default from there (a flag and its environment
    variable still win). A value the option refuses (below its minimum) is a
    ConfigurationError naming `source`, the file it came from."""
    found: dict[str, Any] = {}
    for param in command.params:
        if param.name in defaults:
            found[param.name] = defaults[param.name]
            if not param.multiple:
                _check(param, defaults[param.name], source)
    for name, subcommand in getattr(command, "commands", {}).items():
        found[name] = default_map(subcommand, defaults, source)
    return found


def _check(param: Any, value: Any, source: str) -> None:
    from cmmsdb.errors import ConfigurationError

    try:
        param.type.convert(value, param, None)
    except Exception as exc:
        message = str(getattr(exc, "message", exc)).rstrip(".")
        key = param.name.replace("_", "-")
        raise ConfigurationError(f"{source}: {key}: {message}", "fix the file") from None
