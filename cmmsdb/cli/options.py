"""Options shared by several commands, declared once."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

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
Wait = Annotated[
    float,
    typer.Option("--wait", min=0, help="Seconds to wait for another migrator to finish."),
]


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
