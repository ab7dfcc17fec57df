"""cmmsdb --help: the top-level help lists every command with a summary that fits."""

from __future__ import annotations

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
