"""The built wheel carries its SQL and works from any folder, as a user installs it."""

from __future__ import annotations

import site
import subprocess
import sys
import zipfile
from pathlib import Path

import psycopg
import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    return next(out.glob("cmmsdb-*.whl"))


def test_wheel_carries_sql_templates_seeds_and_queries(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "cmmsdb/sql/migrations/0001.create-schema.sql" in names
    assert "cmmsdb/sql/migrations/0001.create-schema.rollback.sql" in names
    assert "cmmsdb/queries/ledger_create.sql" in names
    assert any(name.startswith("cmmsdb/templates/") for name in names)
    assert any(name.startswith("cmmsdb/seeds/") for name in names)


def test_wheel_in_a_fresh_venv_migrates_from_an_empty_folder(
    wheel: Path, tmp_path: Path, empty_db: str
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / "bin"
    subprocess.run(
        [str(bin_dir / "pip"), "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True
    )
    # The dependencies come from this interpreter's site-packages (a .pth adds the folders
    # but not their .pth files, so the source checkout is not importable there).
    site_packages = next((venv / "lib").glob("python*/site-packages"))
    (site_packages / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    empty = tmp_path / "anywhere"
    empty.mkdir()

    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "import cmmsdb; print(cmmsdb.__file__)"],
        cwd=empty,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(venv))
    assert subprocess.run([str(bin_dir / "cmmsdb"), "--help"], cwd=empty).returncode == 0
    help_ = subprocess.run([str(bin_dir / "python"), "-m", "cmmsdb", "--help"], cwd=empty)
    assert help_.returncode == 0
    run = subprocess.run(
        [str(bin_dir / "cmmsdb"), "migrate", "--dsn", empty_db],
        cwd=empty,
        capture_output=True,
        text=True,
    )

    assert run.returncode == 0, run.stderr
    with psycopg.connect(empty_db) as conn:
        applied = conn.execute("SELECT count(*) FROM cmmsdb.applied_migrations").fetchone()
    shipped = [p for p in (ROOT / "sql" / "migrations").glob("*.sql") if ".rollback." not in p.name]
    assert applied == (len(shipped),)
