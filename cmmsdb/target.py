"""Which PostgreSQL a command works on, how to reach it, and how to say so without a password.

Target selection, first match wins: --dsn, CMMSDB_DSN, DATABASE_URL, else the embedded
local server (started on demand). An environment variable set to nothing (`CMMSDB_DSN=`)
counts as unset. URLs and libpq keyword strings are both accepted.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cmmsdb.errors import (
    ConnectionFailed,
    DatabaseMissing,
    InvalidDsn,
    PermissionDenied,
    ReadOnlyTarget,
)
from cmmsdb.resources import query

if TYPE_CHECKING:
    import psycopg

    from cmmsdb.local import LocalServer

ENV_VARIABLES = ("CMMSDB_DSN", "DATABASE_URL")
MIN_SERVER_VERSION = 150000
DEFAULT_CONNECT_TIMEOUT = 10

_URL_PASSWORD = re.compile(r"(://[^:/@?#]*:)([^@/?#]*)(@)")
_KEYWORD_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    """A database to work on. `dsn` may hold a password: show `display`, never `dsn`."""

    dsn: str
    source: str
    local: LocalServer | None = None
    local_started: bool = False

    @property
    def display(self) -> str:
        return mask(self.dsn)

    @property
    def dbname(self) -> str:
        return str(parse(self.dsn).get("dbname") or parse(self.dsn).get("user") or "")

    def with_dbname(self, dbname: str) -> Target:
        """The same server and credentials, another database (for CREATE DATABASE)."""
        from psycopg.conninfo import make_conninfo

        return Target(make_conninfo(self.dsn, dbname=dbname), self.source, self.local)


def parse(dsn: str) -> dict[str, Any]:
    """The connection parameters of `dsn`; InvalidDsn names what is wrong, masked."""
    from psycopg.conninfo import conninfo_to_dict

    if not dsn.strip():
        raise InvalidDsn("the connection string is empty", "pass --dsn postgresql://user@host/db")
    try:
        params = conninfo_to_dict(dsn)
    except Exception as exc:
        raise InvalidDsn(
            f"malformed connection string {mask(dsn)}: {scrub(str(exc).strip(), dsn)}",
            "use postgresql://user:password@host:5432/dbname or 'host=... dbname=...'",
        ) from None
    port = str(params.get("port") or "")
    if port and not all(part.isdigit() for part in port.split(",")):
        raise InvalidDsn(f"malformed connection string {mask(dsn)}: port {port!r} is not a number")
    return params


def mask(dsn: str) -> str:
    """`dsn` with any password replaced by ***, in whichever syntax it was written."""
    return _KEYWORD_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***\3", dsn))


def scrub(text: str, dsn: str) -> str:
    """`text` (a server or libpq message) with the password of `dsn` removed."""
    passwords = [m.group(2) for m in _URL_PASSWORD.finditer(dsn)]
    passwords += [m.group(2).strip("'") for m in _KEYWORD_PASSWORD.finditer(dsn)]
    for password in filter(None, passwords):
        text = text.replace(password, "***")
    return mask(text)


def resolve(dsn: str | None, environ: Mapping[str, str] | None = None) -> Target:
    """The target named by --dsn or the environment, else the embedded local server."""
    environ = os.environ if environ is None else environ
    candidates = [("--dsn", dsn)] + [(name, environ.get(name) or None) for name in ENV_VARIABLES]
    for source, value in candidates:
        if value is not None:
            parse(value)
            return Target(value, source)
    from cmmsdb import local

    server, started = local.start()
    return Target(server.url(), "local", server, started)


def as_target(target: str | Target) -> Target:
    """`target` as a Target: a connection string given to the Python API is checked here."""
    if isinstance(target, Target):
        return target
    parse(target)
    return Target(target, "api")


def connect(
    target: Target,
    *,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    autocommit: bool = True,
) -> psycopg.Connection[Any]:
    """A connection to `target`, or a one-line error that says why not and how to fix it."""
    import psycopg

    parse(target.dsn)
    try:
        conn = psycopg.connect(
            target.dsn,
            autocommit=autocommit,
            connect_timeout=max(1, round(connect_timeout)),
            application_name="cmmsdb",
        )
    except psycopg.OperationalError as exc:
        raise connection_error(target, exc) from None
    if conn.info.server_version < MIN_SERVER_VERSION:
        version = conn.info.parameter_status("server_version")
        conn.close()
        raise ConnectionFailed(
            f"{target.display} runs PostgreSQL {version!r}; cmmsdb needs 15 or newer"
        )
    return conn


def connection_error(target: Target, exc: Exception) -> ConnectionFailed | PermissionDenied:
    """Map libpq's connection failure onto the error a user can act on."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    detail = scrub(lines[-1] if lines else "connection failed", target.dsn)
    detail = re.sub(r"^connection to server .*? failed: ", "", detail)
    where = target.display
    if "does not exist" in detail and "database" in detail:
        return DatabaseMissing(
            f"database {target.dbname!r} does not exist on {where}",
            "create it, or run the command with --create-db",
        )
    if "password authentication failed" in detail or "no password supplied" in detail:
        return ConnectionFailed(
            f"cannot log in to {where}: {detail}",
            "check the user and password in the DSN, PGPASSWORD or ~/.pgpass",
        )
    if "permission denied" in detail:
        return PermissionDenied(f"cannot connect to {where}: {detail}", "GRANT CONNECT to the role")
    if "timeout expired" in detail:
        return ConnectionFailed(
            f"cannot reach {where}: no answer within the connect timeout",
            "check host and port, or raise --connect-timeout",
        )
    return ConnectionFailed(f"cannot connect to {where}: {detail}", "check that the server is up")


def ensure_writable(conn: psycopg.Connection[Any], target: Target) -> None:
    """Refuse a standby or a read-only database before anything is changed."""
    row = conn.execute(query("server_state.sql")).fetchone()
    assert row is not None
    in_recovery, read_only = row
    if in_recovery or read_only:
        what = "a read-only standby (in recovery)" if in_recovery else "read-only"
        raise ReadOnlyTarget(
            f"{target.display} is {what}: nothing was changed",
            "run migrations against the primary",
        )


def extension_installed(conn: psycopg.Connection[Any], name: str) -> bool:
    """Whether the extension `name` is created in the database behind `conn`."""
    return conn.execute(query("extensions_installed.sql"), {"names": [name]}).fetchone() is not None


def create_database(target: Target, *, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> bool:
    """Create the target's database if it is missing; True when this call created it."""
    from psycopg import errors, sql

    dbname = target.dbname
    with connect(target.with_dbname("postgres"), connect_timeout=connect_timeout) as conn:
        row = conn.execute(query("database_exists.sql"), {"dbname": dbname}).fetchone()
        if row and row[0]:
            return False
        ensure_writable(conn, target)
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        except errors.InsufficientPrivilege as exc:
            raise PermissionDenied(
                f"cannot create database {dbname!r} on {target.display}: "
                f"{exc.diag.message_primary}",
                "ask a DBA to create it, or use a role with CREATEDB",
            ) from None
        except errors.DuplicateDatabase:
            return False
    return True
