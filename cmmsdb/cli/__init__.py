"""The `cmmsdb` command line: each command reads its options, calls one library function
and renders what it returns. Errors become one or two lines and an exit code."""

from __future__ import annotations

import sys

import typer

from cmmsdb.cli import archive as archive_commands
from cmmsdb.cli import cluster as cluster_commands
from cmmsdb.cli import docs as docs_commands
from cmmsdb.cli import guards as guard_commands
from cmmsdb.cli import health as health_commands
from cmmsdb.cli import ledger as ledger_commands
from cmmsdb.cli import lint as lint_commands
from cmmsdb.cli import local as local_commands
from cmmsdb.cli import migrations as migration_commands
from cmmsdb.cli import new as new_commands
from cmmsdb.cli import partitions as partition_commands
from cmmsdb.cli import seed as seed_commands
from cmmsdb.cli import tenant as tenant_commands
from cmmsdb.cli.render import report_error, report_unexpected

app = typer.Typer(
    name="cmmsdb",
    help="Migrate, roll back and inspect the cmmsdb PostgreSQL schema.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
_show_traceback = False


def _version(value: bool) -> None:
    if value:
        from cmmsdb import __version__

        typer.echo(f"cmmsdb {__version__}")
        raise typer.Exit()


@app.callback()
def setup(
    ctx: typer.Context,
    traceback: bool = typer.Option(False, "--traceback", help="Show the traceback of an error."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Target: --dsn, else $CMMSDB_DSN, else $DATABASE_URL, else the embedded local server.

    Options take their defaults from [tool.cmmsdb] in pyproject.toml or from cmmsdb.toml,
    the nearest found from the current folder upwards (a flag or variable wins).
    """
    from cmmsdb import config
    from cmmsdb.cli.options import default_map

    global _show_traceback
    _show_traceback = traceback
    settings = config.load()
    ctx.default_map = default_map(ctx.command, settings.defaults(), settings.source)


migration_commands.register(app)
app.command("new")(new_commands.new)
app.command("docs")(docs_commands.docs)
app.command("seed")(seed_commands.seed)
app.command("lint")(lint_commands.lint)
guard_commands.register(app)
ledger_commands.register(app)
app.command("archive")(archive_commands.archive)
app.command("restore")(archive_commands.restore)
app.command("health")(health_commands.health)
app.add_typer(local_commands.app, name="local", short_help="The embedded local PostgreSQL server.")
app.add_typer(
    cluster_commands.app, name="cluster", short_help="A local Citus cluster: coordinator, workers."
)
app.add_typer(
    partition_commands.app, name="partitions", short_help="List and maintain monthly partitions."
)
app.add_typer(tenant_commands.app, name="tenant", short_help="Export, import and delete a tenant.")


def main() -> None:
    """Entry point: run the app, turning expected errors into one line and an exit code."""
    from cmmsdb.errors import EXIT_ERROR, CmmsdbError

    try:
        app()
    except CmmsdbError as exc:
        sys.exit(report_error(exc, _show_traceback))
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        report_unexpected(exc, _show_traceback)
        sys.exit(EXIT_ERROR)
