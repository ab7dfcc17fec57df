"""The project configuration file as a user meets it: each level of the precedence (flag,
environment, file, default), a masked DSN from the file, and a bad file. The DSNs point at a
closed port: which one a command used shows in its (masked) connection error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_migrations import assert_one_clean_error

pytestmark = pytest.mark.serverless

FILE_DSN = "postgresql://file:s3cret@127.0.0.1:1/from_file"
ENV_DSN = "postgresql://env:s3cret@127.0.0.1:1/from_env"
FLAG_DSN = "postgresql://flag:s3cret@127.0.0.1:1/from_flag"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The folder the cli fixture runs in, with its configuration in pyproject.toml."""
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "app"\n\n[tool.cmmsdb]\ndsn = "{FILE_DSN}"\n'
        'migrations = "db/migrations"\nlock-timeout = 2.5\n',
        encoding="utf-8",
    )
    return tmp_path


def test_default_new_writes_into_the_project_sql_migrations(cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n', encoding="utf-8")

    run = cli("new", "create-schema")

    assert run.exit_code == 0, run.stderr
    assert (tmp_path / "sql" / "migrations" / "0001.create-schema.sql").is_file()


def test_file_sets_the_target_migrations_and_lock_timeout(cli, project: Path) -> None:
    target = cli("docs")
    new = cli("new", "create-schema")
    help_ = cli("migrate", "--help", env={"COLUMNS": "200"})

    assert target.exit_code == 2
    assert "postgresql://file:***@127.0.0.1:1/from_file" in target.stderr
    assert "s3cret" not in target.stderr + target.stdout
    assert new.exit_code == 0, new.stderr
    assert (project / "db" / "migrations" / "0001.create-schema.sql").is_file()
    assert "[default: 2.5;" in help_.stdout
    assert "s3cret" not in help_.stdout


def test_environment_beats_the_file(cli, project: Path) -> None:
    target = cli("docs", env={"CMMSDB_DSN": ENV_DSN})
    new = cli("new", "create-schema", env={"CMMSDB_MIGRATIONS": "env/migrations"})

    assert "from_env" in target.stderr
    assert "from_file" not in target.stderr
    assert new.exit_code == 0, new.stderr
    assert (project / "env" / "migrations" / "0001.create-schema.sql").is_file()
    assert not (project / "db").exists()


def test_an_empty_environment_variable_leaves_the_file_in_charge(cli, project: Path) -> None:
    target = cli("docs", env={"CMMSDB_DSN": "", "DATABASE_URL": ""})

    assert "from_file" in target.stderr


def test_flag_beats_environment_and_file(cli, project: Path) -> None:
    target = cli("docs", "--dsn", FLAG_DSN, env={"CMMSDB_DSN": ENV_DSN})
    new = cli(
        "new",
        "create-schema",
        "--migrations",
        "flag/migrations",
        env={"CMMSDB_MIGRATIONS": "env/migrations"},
    )

    assert "from_flag" in target.stderr
    assert new.exit_code == 0, new.stderr
    assert (project / "flag" / "migrations" / "0001.create-schema.sql").is_file()
    assert not (project / "env").exists()
    assert not (project / "db").exists()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('lock-timeout = "soon"\n', "cmmsdb.toml: lock-timeout must be a number of seconds"),
        ("lock-timeout = 0.01\n", "cmmsdb.toml: lock-timeout: 0.01 is not in the range x>=0.1"),
        ("[tool]\n", "cmmsdb.toml: unknown key 'tool'"),
    ],
)
def test_a_bad_file_is_one_line_and_exit_2(cli, tmp_path: Path, text: str, needle: str) -> None:
    (tmp_path / "cmmsdb.toml").write_text(f'dsn = "{FILE_DSN}"\n{text}')

    run = cli("migrate", "--dry-run")

    assert_one_clean_error(run, needle)
    assert "s3cret" not in run.stderr
