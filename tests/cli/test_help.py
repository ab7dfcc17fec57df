"""cmmsdb --help: the top-level help lists every command with a summary that fits, and
docs/cli.md documents every command and option the help shows, and no other."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest


@pytest.mark.serverless
def test_no_command_summary_is_cut_at_80_columns(cli) -> None:
    run = cli("--help", env={"COLUMNS": "80"})

    assert run.exit_code == 0, run.stderr
    commands = run.stdout.split("Commands:\n", 1)[1].splitlines()
    listed = [line.split()[0] for line in commands if line.strip()]
    assert {"migrate", "rollback", "status", "new", "docs", "snapshot"} <= set(listed)
    cut = [line.strip() for line in commands if line.rstrip().endswith("...")]
    assert cut == []
    assert all(len(line.split(maxsplit=1)) == 2 for line in commands if line.strip())


# --- docs/cli.md against the help: every command and option documented, nothing stale -------

ROOT = Path(__file__).resolve().parents[2]
CLI_DOC = (ROOT / "docs" / "cli.md").read_text()


def _commands() -> dict[str, Any]:
    """Every command path ("migrate", "local start") and its click command."""
    import typer.main

    from cmmsdb.cli import app

    found: dict[str, Any] = {}

    def walk(command: Any, path: str) -> None:
        children = getattr(command, "commands", None)
        if not children:
            found[path] = command
        for name, child in (children or {}).items():
            walk(child, f"{path} {name}".strip())

    walk(typer.main.get_command(app), "")
    return found


def _rows() -> list[str]:
    """The first cell of each row of the commands table: `cmmsdb migrate [--to ID] ...`."""
    section = CLI_DOC.split("## Commands", 1)[1].split("\n## ", 1)[0]
    return [line.split(" | ", 1)[0] for line in section.splitlines() if line.startswith("| `")]


def _row_for(path: str) -> str | None:
    group, _, leaf = path.partition(" ")
    for row in _rows():
        spans = re.findall(r"`([^`]*)`", row)
        for span in spans:
            words = span.removeprefix("cmmsdb ").split()
            if not words:
                continue
            if span.removeprefix("cmmsdb ").startswith(path):
                return row
            if leaf and words[0] == group and leaf in re.split(r"\\?\|", words[1]):
                return row
    return None


@pytest.mark.serverless
def test_every_command_has_a_row_in_docs_cli() -> None:
    missing = [path for path in _commands() if _row_for(path) is None]
    assert missing == []


@pytest.mark.serverless
def test_every_option_of_every_command_is_in_docs_cli() -> None:
    undocumented = [
        f"{path} {option}"
        for path, command in _commands().items()
        for param in command.params
        for option in param.opts
        if option.startswith("--") and not re.search(rf"(?<![\w-]){option}(?![\w-])", CLI_DOC)
    ]
    assert undocumented == []


@pytest.mark.serverless
def test_docs_cli_names_no_option_a_command_does_not_have() -> None:
    commands = _commands()
    stale = []
    for path in commands:
        row = _row_for(path)
        group = path.split()[0]
        siblings = [c for p, c in commands.items() if p.split()[0] == group]
        known = {o for c in siblings for p in c.params for o in p.opts} | {"--help"}
        stale += [f"{path} {o}" for o in re.findall(r"--[a-z][a-z-]*", row or "") if o not in known]
    assert stale == []
