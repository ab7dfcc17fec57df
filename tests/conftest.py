"""How the suite reaches PostgreSQL: never a mock, never a silent skip.

By default the suite starts its own embedded server (cmmsdb.local, in a temporary home);
CMMSDB_TEST_DSN points it at an existing server instead (CI runs both). Each test gets a
fresh database, cloned from a template database migrated once per session.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

import cmmsdb
from cmmsdb.pytest_plugin import (
    CmmsdbServer,
    clone,
    embedded_home,
    start_embedded,
    stop_embedded,
    unique_name,
)

# Test data need not survive a server crash: commits (and each test's CREATE DATABASE) do not
# wait for the disk, on any server the suite uses. A session setting, for this process and
# the CLI processes the tests start.
os.environ["PGOPTIONS"] = " ".join(
    filter(None, [os.environ.get("PGOPTIONS"), "-c synchronous_commit=off"])
)

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "sql" / "migrations"


@pytest.fixture
def admin(migrated_db: str) -> Iterator[psycopg.Connection[Any]]:
    """A superuser's autocommit connection to the migrated database (no row-level security)."""
    with psycopg.connect(migrated_db, autocommit=True) as conn:
        yield conn


@pytest.fixture
def app_login(migrated_db: str, admin: psycopg.Connection[Any]) -> Iterator[str]:
    """The DSN of a fresh login role that is a member of cmms_app (roles are cluster-wide)."""
    role = f"cmms_test_app_{uuid.uuid4().hex[:8]}"
    admin.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE cmms_app").format(sql.Identifier(role)))
    yield make_conninfo(migrated_db, user=role)
    admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.fixture
def app(app_login: str) -> Iterator[psycopg.Connection[Any]]:
    """The application's connection: a cmms_app login under row-level security, one
    transaction until commit (set the tenant context in each)."""
    with psycopg.connect(app_login) as conn:
        yield conn


Server = CmmsdbServer  # the plugin's: a server the tests may create and drop databases on


@pytest.fixture(scope="session")
def local_home() -> Iterator[Path]:
    """CMMSDB_HOME of the embedded server used by the tests (started on first use); at the
    end of the session the server is stopped and the folder made for it removed (a data
    folder is over 100 MB)."""
    home = embedded_home("cmmsdb-test-")
    try:
        yield home
    finally:
        stop_embedded(home)


@pytest.fixture(scope="session")
def embedded_server(local_home: Path) -> Server:
    """The embedded server, even when the suite targets CMMSDB_TEST_DSN (for the cases
    that need a server the test controls: password logins, standbys)."""
    # A throwaway server: every test clones a database (about 20 MB of WAL) and commits
    # often; waiting for the disk would be most of the suite's time (no fsync).
    return start_embedded(local_home)


@pytest.fixture(scope="session")
def pg_server(request: pytest.FixtureRequest) -> Server:
    dsn = os.environ.get("CMMSDB_TEST_DSN")
    if dsn:
        return Server(dsn, embedded=False)
    return request.getfixturevalue("embedded_server")  # type: ignore[no-any-return]


_unique = unique_name

CITUS_TESTS = ROOT / "tests" / "citus"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """tests/citus needs a Citus cluster (`nox -s tests_citus`): collected only when named."""
    if collection_path != CITUS_TESTS:
        return None
    named = [Path(arg.split("::")[0]).resolve() for arg in config.args]
    return not any(path == CITUS_TESTS or CITUS_TESTS in path.parents for path in named)


@pytest.fixture(scope="session")
def migrated_template(pg_server: Server) -> Iterator[str]:
    """A template database migrated to head once per session."""
    name = _unique("cmmsdb_template")
    janitor = pg_server.janitor(name)
    janitor.init()
    cmmsdb.migrate(pg_server.dsn_for(name), MIGRATIONS)
    with pg_server.connect() as conn:
        conn.execute(f'ALTER DATABASE "{name}" WITH is_template true')
    yield name
    with pg_server.connect() as conn:
        conn.execute(f'ALTER DATABASE "{name}" WITH is_template false')
    janitor.drop()


@pytest.fixture
def empty_db(pg_server: Server) -> Iterator[str]:
    """The DSN of a fresh, empty database, dropped after the test."""
    janitor = pg_server.janitor(_unique("cmmsdb_test"))
    janitor.init()
    yield pg_server.dsn_for(janitor.dbname)
    janitor.drop()


@pytest.fixture
def migrated_db(pg_server: Server, migrated_template: str) -> Iterator[str]:
    """The DSN of a fresh database cloned from the migrated template, with the cluster's
    roles as a database at head has them: roles belong to the cluster, and tests that roll
    another database back past 0089 grant cmms_search to cmms_owner again."""
    name = _unique("cmmsdb_test")
    dsn = clone(pg_server, migrated_template, name)  # FILE_COPY on the embedded server
    with pg_server.connect() as conn:
        conn.execute(
            "DO $$ BEGIN IF pg_has_role('cmms_owner', 'cmms_search', 'MEMBER') THEN"
            " REVOKE cmms_search FROM cmms_owner; END IF; END $$"
        )
    yield dsn
    pg_server.janitor(name).drop()


@dataclass(frozen=True)
class CliRun:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(local_home: Path, tmp_path: Path) -> Any:
    """Run `python -m cmmsdb ...` as a user would, in an empty folder, with no target in
    the environment unless the test passes one; the embedded server lives in local_home."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> CliRun:
        environ = {k: v for k, v in os.environ.items() if k not in ("CMMSDB_DSN", "DATABASE_URL")}
        environ.pop("CMMSDB_MIGRATIONS", None)
        environ["CMMSDB_HOME"] = str(local_home)
        environ["PYTHONPATH"] = str(ROOT)  # this checkout's cmmsdb, even from a worktree
        environ.update(env or {})
        done = subprocess.run(
            [sys.executable, "-m", "cmmsdb", *args],
            cwd=tmp_path,
            env=environ,
            stdin=subprocess.DEVNULL,  # no terminal to ask on, even when pytest has one
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return CliRun(done.returncode, done.stdout, done.stderr)

    return run
