"""The server a benchmark runs against: --dsn / CMMSDB_BENCH_DSN, else a throwaway
embedded server in a temporary home (stopped at exit)."""

from __future__ import annotations

import atexit
import os
import tempfile
import uuid
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo

from cmmsdb import local


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


def fresh_database(dsn: str) -> str:
    name = f"cmmsdb_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    atexit.register(drop_database, dsn, name)
    return make_conninfo(dsn, dbname=name)


def drop_database(dsn: str, name: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
