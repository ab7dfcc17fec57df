"""How the suite reaches PostgreSQL: never a mock, never a silent skip.

By default the suite starts its own embedded server (cmmsdb.local, in a temporary home);
CMMSDB_TEST_DSN points it at an existing server instead (CI runs both). Each test gets a
fresh database, cloned from a template database migrated once per session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pytest_postgresql.janitor import DatabaseJanitor

import cmmsdb
from cmmsdb import local

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


@dataclass(frozen=True)
class Server:
    """A PostgreSQL server the tests may create and drop databases on (as a superuser)."""

    dsn: str
    embedded: bool

    def params(self) -> dict[str, Any]:
        return conninfo_to_dict(self.dsn)

    def dsn_for(self, dbname: str, **overrides: Any) -> str:
        return make_conninfo(self.dsn, dbname=dbname, **overrides)

    def janitor(self, dbname: str, **kwargs: Any) -> DatabaseJanitor:
        params = self.params()
        return DatabaseJanitor(
            user=params.get("user") or "postgres",
            host=params.get("host") or "localhost",
            port=params.get("port") or 5432,
            password=params.get("password"),
            dbname=dbname,
            maintenance_dbname=params.get("dbname") or "postgres",
            **kwargs,
        )

    def connect(self, dbname: str | None = None) -> psycopg.Connection[Any]:
        dsn = self.dsn_for(dbname) if dbname else self.dsn
        return psycopg.connect(dsn, autocommit=True)


def _test_home() -> Path:
    """A folder for a test local server that the root-run server user can reach (mkdtemp
    makes 0700 folders; we open up only the one we created)."""
    base = Path(tempfile.mkdtemp(prefix="cmmsdb-test-"))
    base.chmod(0o755)
    return base / "home"


@pytest.fixture(scope="session")
def local_home() -> Iterator[Path]:
    """CMMSDB_HOME of the embedded server used by the tests (started on first use); at the
    end of the session the server is stopped and the folder made for it removed (a data
    folder is over 100 MB)."""
    home = _test_home()
    try:
        yield home
    finally:
        try:
            if home.exists():
                local.stop(home)
        finally:
            shutil.rmtree(home.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def embedded_server(local_home: Path) -> Server:
    """The embedded server, even when the suite targets CMMSDB_TEST_DSN (for the cases
    that need a server the test controls: password logins, standbys)."""
    server, _ = local.start(home=local_home)
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        # A throwaway server: every test clones a database (about 20 MB of WAL) and commits
        # often; waiting for the disk would be most of the suite's time.
        for setting in ("fsync", "full_page_writes", "synchronous_commit"):
            conn.execute(f"ALTER SYSTEM SET {setting} = off")
        conn.execute("SELECT pg_reload_conf()")
    return Server(server.url("postgres"), embedded=True)


@pytest.fixture(scope="session")
def pg_server(request: pytest.FixtureRequest) -> Server:
    dsn = os.environ.get("CMMSDB_TEST_DSN")
    if dsn:
        return Server(dsn, embedded=False)
    return request.getfixturevalue("embedded_server")  # type: ignore[no-any-return]


def _unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


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
    janitor = pg_server.janitor(_unique("cmmsdb_test"), template_dbname=migrated_template)
    janitor.init()
    with pg_server.connect() as conn:
        conn.execute(
            "DO $$ BEGIN IF pg_has_role('cmms_owner', 'cmms_search', 'MEMBER') THEN"
            " REVOKE cmms_search FROM cmms_owner; END IF; END $$"
        )
    yield pg_server.dsn_for(janitor.dbname)
    janitor.drop()


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
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return CliRun(done.returncode, done.stdout, done.stderr)

    return run
