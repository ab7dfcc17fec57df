"""The built wheel carries its SQL and works from any folder, as a user installs it."""

from __future__ import annotations

import os
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


def install(wheel: Path, venv: Path) -> tuple[Path, Path]:
    """A fresh venv with the wheel installed: its bin folder and its site-packages."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / "bin"
    subprocess.run(
        [str(bin_dir / "pip"), "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True
    )
    # The dependencies come from this interpreter's site-packages (a .pth adds the folders
    # but not their .pth files, so the source checkout is not importable there).
    site_packages = next((venv / "lib").glob("python*/site-packages"))
    (site_packages / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return bin_dir, site_packages


def test_wheel_in_a_fresh_venv_migrates_from_an_empty_folder(
    wheel: Path, tmp_path: Path, empty_db: str
) -> None:
    venv = tmp_path / "venv"
    bin_dir, _ = install(wheel, venv)
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


@pytest.mark.slow
def test_installed_cmmsdb_writes_into_the_project_never_into_its_own_package(
    wheel: Path, tmp_path: Path
) -> None:
    bin_dir, site_packages = install(wheel, tmp_path / "venv")
    shipped = site_packages / "cmmsdb" / "sql" / "migrations"
    before = sorted(shipped.iterdir())
    schema = (site_packages / "cmmsdb" / "sql" / "schema.json").read_text()
    empty, project = tmp_path / "anywhere", tmp_path / "project"
    empty.mkdir()
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "app"\n')

    def cmmsdb(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in ("CMMSDB_MIGRATIONS",)}
        return subprocess.run(
            [str(bin_dir / "cmmsdb"), *args], cwd=cwd, capture_output=True, text=True, env=env
        )

    outside = cmmsdb("new", "create-table-x", cwd=empty)
    into_package = cmmsdb("new", "create-table-x", "--migrations", str(shipped), cwd=empty)
    snapshot = cmmsdb("snapshot", cwd=empty)
    inside = cmmsdb("new", "create-table-x", cwd=project)

    assert outside.returncode == 2
    assert "no project in" in outside.stderr
    assert "--migrations DIR" in outside.stderr
    assert into_package.returncode == 2
    assert "inside an installed package" in into_package.stderr
    assert snapshot.returncode == 2
    assert "inside an installed package" in snapshot.stderr
    assert "--output FILE" in snapshot.stderr
    assert inside.returncode == 0, inside.stderr
    assert (project / "sql" / "migrations" / "0001.create-table-x.sql").is_file()
    assert sorted(shipped.iterdir()) == before
    assert (site_packages / "cmmsdb" / "sql" / "schema.json").read_text() == schema
