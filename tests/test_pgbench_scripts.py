"""The application transactions of bench/pgbouncer_load.py (bench/pgbench/*.sql) still run
against the schema: each, a few times, with pgbench as a cmms_app login on a seeded
database, without a failed transaction. Not a benchmark: nothing is timed."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from psycopg.conninfo import conninfo_to_dict

from cmmsdb import local
from tests.conftest import ROOT

SCRIPTS = sorted((ROOT / "bench" / "pgbench").glob("*.sql"))


@pytest.mark.slow
def test_every_pgbench_script_runs_as_the_app(
    cli: Any, migrated_db: str, admin: Any, app_login: str
) -> None:
    assert cli("seed", "--tenants", "2", "--dsn", migrated_db).exit_code == 0
    admin.execute((ROOT / "bench" / "pgbench" / "setup.sql").read_text())
    admin.execute("GRANT SELECT ON public.bench_tenants TO cmms_app")
    folder = local.client_tools(admin.info.server_version // 10000)
    assert folder, "no pgbench of the server's version"
    login = conninfo_to_dict(app_login)
    scripts = [s for s in SCRIPTS if s.name != "setup.sql"]
    assert len(scripts) == 4

    for script in scripts:
        command: list[str | Path] = [folder / "pgbench", "-n", "-M", "extended", "-t", "5"]
        command += ["-D", "tenants=2", "-f", script, "-U", str(login["user"])]
        if login.get("host"):
            command += ["-h", str(login["host"])]
        if login.get("port"):
            command += ["-p", str(login["port"])]
        command.append(str(login["dbname"]))
        done = subprocess.run(
            [str(c) for c in command], capture_output=True, text=True, env=dict(os.environ)
        )
        assert done.returncode == 0, (script.name, done.stderr[-2000:])
        processed = re.search(r"number of transactions actually processed: (\d+)", done.stdout)
        assert processed, (script.name, done.stdout)
        assert processed.group(1) == "5", (script.name, done.stdout)
