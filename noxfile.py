"""Sessions: tests (embedded PostgreSQL 18), tests_system (an existing server, e.g. the
system PostgreSQL 15 via CMMSDB_TEST_DSN), tests_citus (a Citus coordinator and two workers
started by the tests), lint, typecheck, bench, example (an app team's service tested with
the cmmsdb pytest plugin)."""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_venv = "yes"


@nox.session
def tests(session: nox.Session) -> None:
    """The whole suite against the embedded server the suite starts itself."""
    session.install("-e", ".[test]")
    env = {"CMMSDB_TEST_DSN": ""}
    session.run("pytest", *session.posargs, env=env)


@nox.session
def tests_system(session: nox.Session) -> None:
    """The whole suite against the server in CMMSDB_TEST_DSN (CI: system PostgreSQL 15),
    less the tests that need no server (`serverless`: linting files), which `tests` runs."""
    if not os.environ.get("CMMSDB_TEST_DSN"):
        session.error("set CMMSDB_TEST_DSN, e.g. postgresql://postgres@127.0.0.1:5432/postgres")
    session.install("-e", ".[test]")
    session.run("pytest", "-m", "not serverless", *session.posargs)


@nox.session
def tests_citus(session: nox.Session) -> None:
    """tests/citus on a real cluster: Citus 13.2.2 is built from ../shared/vendor into the
    system PostgreSQL 15 if it is not installed there (.ci/citus-build, as root), then the
    tests start a coordinator and two workers on free local ports (cmmsdb.citus_cluster)."""
    session.run(".ci/citus-build", external=True)
    session.install("-e", ".[test]")
    session.run("pytest", "tests/citus", *session.posargs, env={"CMMSDB_CITUS_DSN": ""})


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff", "sqlfluff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("sqlfluff", "lint", "sql/")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[test]", "mypy")
    session.run("mypy")


@nox.session
def bench(session: nox.Session) -> None:
    """Print the figures the issues ask for (see bench/README.md)."""
    session.install("-e", ".[all]")
    session.run("python", "bench/migrate_speed.py", *session.posargs)
    session.run("python", "bench/cli_latency.py", *session.posargs)
    session.run("python", "bench/seed_speed.py", "--tenants", "20", *session.posargs)


@nox.session
def example(session: nox.Session) -> None:
    """An app team's workflow (examples/app-service, docs/app-teams.md): cmmsdb[pytest]
    installed as a package (not editable: the wheel's SQL and the pytest11 entry point), then
    the service's own tests, which use nothing but the plugin's fixtures. Honours
    CMMSDB_TEST_DSN; without it the plugin starts an embedded server."""
    session.install(".[pytest]")
    session.chdir("examples/app-service")
    session.run("pytest", *session.posargs)
