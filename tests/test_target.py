"""Target selection, DSN parsing and masking, and the connection errors a user can act on."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from cmmsdb.errors import ConnectionFailed, DatabaseMissing, InvalidDsn, ReadOnlyTarget
from cmmsdb.target import Target, connect, create_database, ensure_writable, mask, resolve, scrub
from tests.conftest import Server


@pytest.mark.parametrize(
    ("dsn", "shown"),
    [
        ("postgresql://app:s3cret@db:5432/cmms", "postgresql://app:***@db:5432/cmms"),
        (
            "postgres://app:s3cret@db/cmms?sslmode=require",
            "postgres://app:***@db/cmms?sslmode=require",
        ),
        (
            "host=db user=app password=s3cret dbname=cmms",
            "host=db user=app password=*** dbname=cmms",
        ),
        ("host=db password='with space' dbname=cmms", "host=db password=*** dbname=cmms"),
        ("postgresql://app@db/cmms", "postgresql://app@db/cmms"),
    ],
)
def test_mask_hides_the_password_in_urls_and_keyword_strings(dsn: str, shown: str) -> None:
    assert mask(dsn) == shown
    assert "s3cret" not in Target(dsn, "test").display


def test_scrub_removes_the_password_from_any_message() -> None:
    dsn = "postgresql://app:hunter2@db/cmms"
    assert (
        scrub('could not parse "postgresql://app:hunter2@db/cmms" near hunter2', dsn).count(
            "hunter2"
        )
        == 0
    )


def test_resolve_prefers_option_then_cmmsdb_dsn_then_database_url() -> None:
    env = {"CMMSDB_DSN": "postgresql://a@h/one", "DATABASE_URL": "postgresql://b@h/two"}
    assert resolve("postgresql://c@h/zero", env).source == "--dsn"
    assert resolve(None, env).source == "CMMSDB_DSN"
    assert resolve(None, {"DATABASE_URL": "postgresql://b@h/two"}).dsn.endswith("/two")


def test_an_empty_environment_variable_counts_as_unset() -> None:
    env = {"CMMSDB_DSN": "", "DATABASE_URL": "postgresql://b@h/two"}
    assert resolve(None, env).source == "DATABASE_URL"
    assert resolve(None, {"CMMSDB_DSN": "postgresql://a@h/one", "DATABASE_URL": ""}).dsn.endswith(
        "/one"
    )


def test_a_command_with_both_variables_empty_uses_the_local_server(cli) -> None:
    run = cli("status", "--json", env={"CMMSDB_DSN": "", "DATABASE_URL": ""})

    assert run.exit_code == 0, run.stderr
    assert "connection string is empty" not in run.stderr


@pytest.mark.parametrize(
    "dsn", ["garbage here", "postgresql://u@h:notaport/db", "host=h port=5x", "   "]
)
def test_malformed_dsn_is_an_invalid_dsn_error(dsn: str) -> None:
    with pytest.raises(InvalidDsn, match="connection string"):
        resolve(dsn, {})


def test_missing_database_suggests_create_db(pg_server: Server) -> None:
    target = Target(pg_server.dsn_for("cmmsdb_no_such_db"), "test")
    with pytest.raises(DatabaseMissing, match="does not exist") as failure:
        connect(target)
    assert "--create-db" in (failure.value.hint or "")


def test_create_database_creates_once(pg_server: Server) -> None:
    target = Target(pg_server.dsn_for("cmmsdb_created_by_test"), "test")
    try:
        assert create_database(target) is True
        assert create_database(target) is False
        connect(target).close()
    finally:
        with pg_server.connect() as conn:
            conn.execute("DROP DATABASE IF EXISTS cmmsdb_created_by_test")


def test_wrong_password_names_the_problem_and_never_the_password(
    embedded_server: Server,
) -> None:
    with embedded_server.connect() as conn:
        conn.execute("DROP ROLE IF EXISTS cmmsdb_pw_test")
        conn.execute("CREATE ROLE cmmsdb_pw_test LOGIN PASSWORD 'right-one'")
        port = conn.execute("SHOW port").fetchone()[0]  # type: ignore[index]
    dsn = f"postgresql://cmmsdb_pw_test:wrong-one@127.0.0.1:{port}/postgres"

    with pytest.raises(ConnectionFailed, match="password authentication failed") as failure:
        connect(Target(dsn, "test"))

    assert "wrong-one" not in str(failure.value)
    good = f"postgresql://cmmsdb_pw_test:right-one@127.0.0.1:{port}/postgres"
    connect(Target(good, "test")).close()


def test_refused_port_fails_fast_with_a_connection_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(ConnectionFailed, match="cannot connect"):
        connect(Target(f"postgresql://u@127.0.0.1:{port}/db", "test"))
    assert time.monotonic() - started < 2


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections and never answers: a hung server."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield sock.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    sock.close()


def test_unanswering_server_fails_within_the_connect_timeout(silent_port: int) -> None:
    started = time.monotonic()
    with pytest.raises(ConnectionFailed, match="connect timeout"):
        connect(Target(f"postgresql://u@127.0.0.1:{silent_port}/db", "test"), connect_timeout=1)
    assert time.monotonic() - started < 5


def test_read_only_database_is_refused(empty_db: str) -> None:
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("SET default_transaction_read_only = on")
        with pytest.raises(ReadOnlyTarget, match="read-only"):
            ensure_writable(conn, Target(empty_db, "test"))
