"""The suite's own fixtures (tests/conftest.py): what a test session leaves behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PROBE = """
from pathlib import Path

def test_probe(embedded_server, local_home):
    Path(__file__).with_name("home.txt").write_text(str(local_home))
    assert (local_home / "pgdata" / "PG_VERSION").is_file()
"""


def test_a_session_removes_the_embedded_servers_folder(tmp_path: Path) -> None:
    """`nox -s tests` used to leave a 120 MB PostgreSQL data folder in /tmp per run."""
    (tmp_path / "test_probe.py").write_text(PROBE)
    (tmp_path / "conftest.py").write_text("from tests.conftest import *  # noqa: F403\n")
    environ = {k: v for k, v in os.environ.items() if k != "CMMSDB_TEST_DSN"}
    environ["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    home = Path((tmp_path / "home.txt").read_text())
    assert home.parent.name.startswith("cmmsdb-test-")
    assert not home.parent.exists()
