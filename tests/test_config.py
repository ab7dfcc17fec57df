"""cmmsdb.config: the configuration file found from the current folder upwards, its checks,
the project folder, and the folders commands that write may write into (never an installed
package: a fake site-packages stands in for one). No database."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from cmmsdb import config
from cmmsdb.cli import app
from cmmsdb.cli.options import default_map
from cmmsdb.errors import ConfigurationError
from cmmsdb.resources import default_migrations_dir, inside_installed

pytestmark = pytest.mark.serverless

SECRET_DSN = "postgresql://app:s3cret@db/cmms"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_means_no_settings(tmp_path: Path) -> None:
    assert config.load(tmp_path) == config.Config()
    assert config.load(tmp_path).defaults({}) == {}


def test_cmmsdb_toml_is_found_from_a_subfolder_and_paths_are_relative_to_it(
    tmp_path: Path,
) -> None:
    file = write(
        tmp_path / "cmmsdb.toml",
        'dsn = "postgresql://a@h/db"\nmigrations = "db/migrations"\nmodules = ["postgis"]\n'
        "lock-timeout = 0.5\nlock-retries = 8\nconnect-timeout = 3\nwait = 30\n"
        'scratch-dsn = "postgresql://a@h/postgres"\n',
    )
    (tmp_path / "src" / "deep").mkdir(parents=True)

    loaded = config.load(tmp_path / "src" / "deep")

    assert loaded.path == file
    assert loaded.values == {
        "dsn": "postgresql://a@h/db",
        "migrations": tmp_path / "db" / "migrations",
        "modules": ["postgis"],
        "lock_timeout": 0.5,
        "lock_retries": 8,
        "connect_timeout": 3,
        "wait": 30,
        "scratch_dsn": "postgresql://a@h/postgres",
    }


def test_pyproject_tool_cmmsdb_is_read_and_a_pyproject_without_it_is_passed_over(
    tmp_path: Path,
) -> None:
    write(tmp_path / "pyproject.toml", '[tool.cmmsdb]\nmigrations = "sql/migrations"\n')
    write(tmp_path / "app" / "pyproject.toml", '[project]\nname = "app"\n')

    loaded = config.load(tmp_path / "app")

    assert loaded.path == tmp_path / "pyproject.toml"
    assert loaded.values == {"migrations": tmp_path / "sql" / "migrations"}


def test_cmmsdb_toml_wins_over_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.cmmsdb]\nwait = 1\n")
    write(tmp_path / "cmmsdb.toml", "wait = 2\n")

    assert config.load(tmp_path).values == {"wait": 2}


def test_snake_case_keys_are_accepted(tmp_path: Path) -> None:
    write(tmp_path / "cmmsdb.toml", "lock_timeout = 1.5\n")

    assert config.load(tmp_path).values == {"lock_timeout": 1.5}


def test_the_file_dsn_gives_way_to_a_non_empty_environment_variable(tmp_path: Path) -> None:
    write(tmp_path / "cmmsdb.toml", f'dsn = "{SECRET_DSN}"\nwait = 5\n')
    loaded = config.load(tmp_path)

    assert loaded.defaults({}) == {"dsn": SECRET_DSN, "wait": 5}
    assert loaded.defaults({"CMMSDB_DSN": ""}) == {"dsn": SECRET_DSN, "wait": 5}
    assert loaded.defaults({"CMMSDB_DSN": "postgresql://x@h/db"}) == {"wait": 5}
    assert loaded.defaults({"DATABASE_URL": "postgresql://x@h/db"}) == {"wait": 5}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("wait = \n", "is not valid TOML"),
        ("colour = 'red'\n", "unknown key 'colour'"),
        ("lock-timeout = 'soon'\n", "lock-timeout must be a number of seconds"),
        ("wait = -1\n", "wait must be a number of seconds, 0 or more"),
        ("lock-retries = 2.5\n", "lock-retries must be a whole number"),
        ("modules = 'postgis'\n", "modules must be a list of strings"),
        ("connect-timeout = true\n", "connect-timeout must be a number"),
        (f"dsn = ['{SECRET_DSN}']\n", "dsn must be a string"),
    ],
)
def test_a_bad_file_is_one_configuration_error_naming_it(
    tmp_path: Path, text: str, needle: str
) -> None:
    file = write(tmp_path / "cmmsdb.toml", text)

    with pytest.raises(ConfigurationError, match=needle) as failure:
        config.load(tmp_path)

    assert str(file) in failure.value.message
    assert "\n" not in failure.value.message
    assert "s3cret" not in str(failure.value)


def test_a_bad_tool_cmmsdb_table_names_the_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool]\ncmmsdb = 3\n")

    with pytest.raises(ConfigurationError, match=r"pyproject.toml \[tool.cmmsdb\] is not a table"):
        config.load(tmp_path)


def test_the_settings_reach_every_command_that_has_the_option(tmp_path: Path) -> None:
    write(tmp_path / "cmmsdb.toml", "lock-timeout = 0.5\nconnect-timeout = 3\nmodules = ['x']\n")
    command = typer.main.get_command(app)

    found = default_map(command, config.load(tmp_path).defaults({}))

    assert found["migrate"] == {"lock_timeout": 0.5, "connect_timeout": 3, "modules": ["x"]}
    assert found["rollback"] == {"lock_timeout": 0.5, "connect_timeout": 3}
    assert found["partitions"]["maintain"] == {"lock_timeout": 0.5, "connect_timeout": 3}
    assert found["verify"] == {"connect_timeout": 3, "modules": ["x"]}
    assert found["new"] == {}


def test_the_project_is_the_nearest_folder_with_a_pyproject_or_sql_migrations(
    tmp_path: Path,
) -> None:
    (tmp_path / "clone" / "sql" / "migrations").mkdir(parents=True)
    (tmp_path / "clone" / "docs").mkdir()
    write(tmp_path / "app" / "pyproject.toml", "")
    (tmp_path / "app" / "src").mkdir()
    (tmp_path / "nothing").mkdir()

    assert config.find_project(tmp_path / "clone" / "docs") == tmp_path / "clone"
    assert config.find_project(tmp_path / "app" / "src") == tmp_path / "app"
    assert config.migrations_to_write(None, start=tmp_path / "app" / "src", installed=[]) == (
        tmp_path / "app" / "sql" / "migrations"
    )
    with pytest.raises(ConfigurationError, match="no project in") as failure:
        config.migrations_to_write(None, start=tmp_path / "nothing", installed=[])
    assert "--migrations DIR" in (failure.value.hint or "")


def test_an_installed_package_is_never_written_into(tmp_path: Path) -> None:
    site_packages = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    shipped = site_packages / "cmmsdb" / "sql" / "migrations"
    shipped.mkdir(parents=True)
    installed = [site_packages]

    assert inside_installed(shipped / "0099.x.sql", installed)
    assert not inside_installed(tmp_path / "project" / "sql" / "migrations", installed)
    # Run from inside the installed package: its sql/migrations looks like a project.
    with pytest.raises(ConfigurationError, match="inside an installed package") as failure:
        config.migrations_to_write(None, start=site_packages / "cmmsdb", installed=installed)
    assert "--migrations DIR" in (failure.value.hint or "")
    with pytest.raises(ConfigurationError, match="inside an installed package"):
        config.migrations_to_write(shipped, start=tmp_path, installed=installed)


def test_snapshot_writes_beside_the_project_migrations_and_refuses_an_installed_file(
    tmp_path: Path,
) -> None:
    (tmp_path / "clone" / "sql" / "migrations").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    shipped_as_installed = [default_migrations_dir().parent]

    assert config.snapshot_paths(
        None, None, check=False, start=tmp_path / "clone", installed=shipped_as_installed
    ) == (tmp_path / "clone" / "sql" / "migrations", tmp_path / "clone" / "sql" / "schema.json")
    with pytest.raises(ConfigurationError, match="inside an installed package") as failure:
        config.snapshot_paths(
            None, None, check=False, start=tmp_path / "elsewhere", installed=shipped_as_installed
        )
    assert "--output FILE" in (failure.value.hint or "")
    output = tmp_path / "elsewhere" / "schema.json"
    assert config.snapshot_paths(
        None, output, check=False, start=tmp_path / "elsewhere", installed=shipped_as_installed
    ) == (default_migrations_dir(), output)
    # --check writes nothing: comparing with the installed file is allowed.
    assert config.snapshot_paths(
        None, None, check=True, start=tmp_path / "elsewhere", installed=shipped_as_installed
    )[1] == (default_migrations_dir().parent / "schema.json")
