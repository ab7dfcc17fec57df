"""The server a benchmark runs against: --dsn / CMMSDB_BENCH_DSN, else a throwaway
embedded server in a temporary home (stopped at exit)."""

from __future__ import annotations

import atexit
import os
import secrets
import tempfile
import uuid
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from cmmsdb import local


def client_tools(dsn: str) -> tuple[Path, str]:
    """The folder of the client programs (pg_dump, pg_restore, pgbench) of the major version
    of the server of `dsn` (cmmsdb.local.client_tools), and that server's version."""
    with psycopg.connect(dsn) as conn:
        major = conn.info.server_version // 10000
        version = str(conn.info.parameter_status("server_version"))
    tools = local.client_tools(major)
    if tools is None:
        raise SystemExit(
            f"no PostgreSQL {major} client programs: install postgresql-client-{major}"
        )
    return tools, version


def server_dsn(dsn: str | None) -> str:
    dsn = dsn or os.environ.get("CMMSDB_BENCH_DSN")
    if dsn:
        return dsn
    base = Path(tempfile.mkdtemp(prefix="cmmsdb-bench-"))
    base.chmod(0o755)
    home = base / "home"
    server, _ = local.start(home=home)
    atexit.register(local.stop, home)
    return server.url("postgres")


def fresh_database(dsn: str, *, keep: bool = False) -> str:
    """A new empty database on the server of `dsn`, dropped at exit unless `keep`. Its name
    starts with CMMSDB_BENCH_DB_PREFIX (default cmmsdb_bench_): on a shared server, each
    engineer's scratch databases are recognisable."""
    prefix = os.environ.get("CMMSDB_BENCH_DB_PREFIX", "cmmsdb_bench_")
    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    if not keep:
        atexit.register(drop_database, dsn, name)
    return make_conninfo(dsn, dbname=name)


def migrated_database(dsn: str | None, *, keep: bool = False) -> str:
    """A fresh database on the benchmark's server (see server_dsn), migrated to head."""
    import cmmsdb

    database = fresh_database(server_dsn(dsn), keep=keep)
    cmmsdb.migrate(database)
    return database


def drop_database(dsn: str, name: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_login(server: str, database: str) -> str:
    """A login role in cmms_app (cluster-wide: dropped at exit) and its DSN."""
    name = f"cmms_bench_{uuid.uuid4().hex[:10]}"
    password = secrets.token_hex(16)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE cmms_app").format(
                sql.Identifier(name), sql.Literal(password)
            )
        )
    atexit.register(drop_role, server, name)
    return make_conninfo(database, user=name, password=password)


def drop_role(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [name]
        )
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
