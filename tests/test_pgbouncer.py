"""Tenant isolation through a real PgBouncer in transaction pooling.

The tenant context is transaction-local (cmms.set_context uses set_config(..., true)), so
it must never leak from one client's transaction to another client's transaction that
PgBouncer runs on the same server connection. This test starts its own pgbouncer with
far fewer server connections than clients, has many clients interleave transactions of
two tenants (committed, rolled back, failed, and some with no context at all), and checks
every row each transaction sees. It also checks that the clients really shared server
connections, so it cannot pass without pooling.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import random
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from cmmsdb import local
from tests.conftest import Server

POOL_SIZE = 2  # server connections pgbouncer may open to the test database
CLIENTS = 40  # client connections, all open at once
ITERATIONS = 50  # transactions per client
USERS_A = 5
USERS_B = 7


def _pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )
    if found is None:
        pytest.fail("pgbouncer is not installed: apt-get install pgbouncer (CI does)")
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _quote(value: str) -> str:
    """A value of the [databases] connection string (libpq-like quoting)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass(frozen=True)
class Bouncer:
    port: int
    user: str
    log: Path

    def dsn(self, dbname: str = "tenant") -> str:
        return make_conninfo(
            host="127.0.0.1", port=self.port, dbname=dbname, user=self.user, connect_timeout=10
        )

    def admin(self, command: str) -> list[dict[str, Any]]:
        """Run a SHOW command on pgbouncer's admin console (simple query protocol only)."""
        with psycopg.connect(self.dsn("pgbouncer"), autocommit=True) as conn:
            cur = conn.execute(command)
            names = [c.name for c in cur.description or []]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


@pytest.fixture
def app_login(pg_server: Server, migrated_db: str) -> Iterator[tuple[str, str]]:
    """A login role of cmms_app (cluster-wide, so dropped at the end) and its password."""
    name = f"cmms_bouncer_{uuid.uuid4().hex[:10]}"
    password = secrets.token_hex(16)
    with pg_server.connect() as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE cmms_app").format(
                sql.Identifier(name), sql.Literal(password)
            )
        )
    try:
        yield name, password
    finally:
        with pg_server.connect() as conn:
            # pgbouncer is stopped by now; end any straggler before dropping the role
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                [name],
            )
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


@pytest.fixture
def bouncer(migrated_db: str, app_login: tuple[str, str]) -> Iterator[Bouncer]:
    """pgbouncer in transaction pooling in front of migrated_db, as an unprivileged user."""
    binary = _pgbouncer_binary()
    user, password = app_login
    target = conninfo_to_dict(migrated_db)
    account: pwd.struct_passwd | None = local._server_account()  # None unless root

    folder = Path(tempfile.mkdtemp(prefix="cmmsdb-pgbouncer-"))
    folder.chmod(0o755)
    port = _free_port()
    server = {
        "host": str(target.get("host") or "127.0.0.1"),
        "port": str(target.get("port") or 5432),
        "dbname": str(target["dbname"]),
    }
    files = {
        "userlist.txt": f'"{user}" "{password}"\n',
        "pgbouncer.ini": "\n".join(
            [
                "[databases]",
                "tenant = " + " ".join(f"{k}={_quote(v)}" for k, v in server.items()),
                "",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                f"listen_port = {port}",
                "unix_socket_dir =",
                "auth_type = trust",
                f"auth_file = {folder / 'userlist.txt'}",
                f"admin_users = {user}",
                "pool_mode = transaction",
                f"default_pool_size = {POOL_SIZE}",
                "min_pool_size = 0",
                "reserve_pool_size = 0",
                f"max_db_connections = {POOL_SIZE}",
                "max_client_conn = 100",
                "ignore_startup_parameters = extra_float_digits,options",
                f"logfile = {folder / 'pgbouncer.log'}",
                f"pidfile = {folder / 'pgbouncer.pid'}",
                "",
            ]
        ),
    }
    for name, text in files.items():
        (folder / name).write_text(text)
        (folder / name).chmod(0o600)
    if account is not None:
        for path in [folder, *(folder / name for name in files)]:
            os.chown(path, account.pw_uid, account.pw_gid)

    stderr = (folder / "stderr.txt").open("wb")
    as_user: dict[str, Any] = {}
    if account is not None:
        as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    process = subprocess.Popen(
        [binary, str(folder / "pgbouncer.ini")],
        stdin=subprocess.DEVNULL,
        stdout=stderr,
        stderr=stderr,
        cwd=folder,
        start_new_session=True,
        **as_user,
    )
    log = folder / "pgbouncer.log"
    try:
        result = Bouncer(port=port, user=user, log=log)
        deadline = time.monotonic() + 15
        while True:
            if process.poll() is not None:
                pytest.fail(f"pgbouncer exited with {process.returncode}: {_tail(folder)}")
            try:
                result.admin("SHOW VERSION")
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    pytest.fail(f"pgbouncer did not accept connections in 15 s: {_tail(folder)}")
                time.sleep(0.05)
        yield result
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        stderr.close()
        shutil.rmtree(folder, ignore_errors=True)


def _tail(folder: Path) -> str:
    texts = []
    for name in ("pgbouncer.log", "stderr.txt"):
        with contextlib.suppress(OSError):
            texts.append((folder / name).read_text(errors="replace")[-2000:])
    return "\n".join(texts)


# --- the tenants -----------------------------------------------------------------------


@dataclass(frozen=True)
class Tenant:
    org: uuid.UUID
    users: frozenset[uuid.UUID]


def _seed(dsn: str) -> dict[str, Tenant]:
    """Two organizations with different numbers of users, as the superuser (no RLS)."""
    tenants = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        for label, count in (("a", USERS_A), ("b", USERS_B)):
            row = conn.execute(
                "INSERT INTO cmms.organizations (name, slug) VALUES (%s, %s) RETURNING id",
                [f"Tenant {label.upper()}", f"tenant-{label}-{uuid.uuid4().hex[:8]}"],
            ).fetchone()
            assert row is not None
            org = row[0]
            users = conn.execute(
                "INSERT INTO cmms.users (organization_id, email, full_name)"
                " SELECT %s, 'user' || n || '@example.com', 'User ' || n"
                " FROM generate_series(1, %s) AS n RETURNING id",
                [org, count],
            ).fetchall()
            tenants[label] = Tenant(org, frozenset(u[0] for u in users))
    return tenants


# --- the clients -----------------------------------------------------------------------


@dataclass
class Observed:
    """What the clients saw, shared between threads (under lock)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    failures: list[str] = field(default_factory=list)
    pids_by_client: dict[int, set[int]] = field(default_factory=dict)
    kinds: Counter[str] = field(default_factory=Counter)
    leftover_settings: Counter[str] = field(default_factory=Counter)

    def fail(self, client: int, step: int, message: str) -> None:
        with self.lock:
            self.failures.append(f"client {client}, transaction {step}: {message}")


def _client(
    number: int,
    dsn: str,
    tenants: dict[str, Tenant],
    start: threading.Barrier,
    seen: Observed,
) -> None:
    rng = random.Random(number)
    pids: set[int] = set()
    kinds: Counter[str] = Counter()
    leftovers: Counter[str] = Counter()
    step = -1
    try:
        # prepare_threshold=None: pgbouncer 1.18 cannot pool named prepared statements
        with psycopg.connect(dsn, autocommit=False, prepare_threshold=None) as conn:
            start.wait(timeout=60)  # every client is connected before any transaction
            for step in range(ITERATIONS):
                roll = rng.random()
                pid_row = conn.execute("SELECT pg_backend_pid()").fetchone()
                assert pid_row is not None
                pids.add(pid_row[0])
                if roll < 0.2:
                    # no context: must see nothing, whatever ran on this backend before
                    kinds["no context"] += 1
                    setting = conn.execute(
                        "SELECT current_setting('cmms.org_id', true), cmms.current_org_id()"
                    ).fetchone()
                    assert setting is not None
                    # '' once a context was set on this backend and reset at its
                    # transaction's end; NULL on a backend that never had one
                    leftovers["''" if setting[0] == "" else repr(setting[0])] += 1
                    if setting[0] not in (None, "") or setting[1] is not None:
                        seen.fail(number, step, f"leaked context {setting!r}")
                    users = conn.execute("SELECT organization_id FROM cmms.users").fetchall()
                    orgs = conn.execute("SELECT id FROM cmms.organizations").fetchall()
                    if users or orgs:
                        seen.fail(
                            number, step, f"no context, saw {len(users)} users, {len(orgs)} orgs"
                        )
                    conn.commit()
                    continue
                label = rng.choice("ab")
                tenant = tenants[label]
                conn.execute("SELECT cmms.set_context(%s, NULL)", [tenant.org])
                users = conn.execute("SELECT organization_id, id FROM cmms.users").fetchall()
                orgs = conn.execute("SELECT id FROM cmms.organizations").fetchall()
                if {u[0] for u in users} - {tenant.org} or [o[0] for o in orgs] != [tenant.org]:
                    seen.fail(number, step, f"tenant {label} saw other rows: {users!r} {orgs!r}")
                if {u[1] for u in users} != tenant.users or len(users) != len(tenant.users):
                    seen.fail(number, step, f"tenant {label} saw {len(users)} users")
                if roll < 0.55:
                    kinds["commit"] += 1
                    conn.commit()
                elif roll < 0.85:
                    kinds["rollback"] += 1
                    conn.rollback()
                else:
                    # a failed transaction, rolled back: its context must not survive either
                    kinds["error"] += 1
                    try:
                        conn.execute("SELECT 1 / 0")
                        seen.fail(number, step, "division by zero did not fail")
                    except errors.DivisionByZero:
                        pass
                    conn.rollback()
    except Exception as exc:  # collected, reported by the test
        seen.fail(number, step, f"{type(exc).__name__}: {exc}")
        with contextlib.suppress(threading.BrokenBarrierError):
            start.abort()
    finally:
        with seen.lock:
            seen.pids_by_client[number] = pids
            seen.kinds.update(kinds)
            seen.leftover_settings.update(leftovers)


@pytest.mark.slow
def test_tenant_context_never_leaks_across_pooled_transactions(
    pg_server: Server, migrated_db: str, bouncer: Bouncer
) -> None:
    tenants = _seed(migrated_db)
    seen = Observed()
    start = threading.Barrier(CLIENTS)
    threads = [
        threading.Thread(
            target=_client, args=(n, bouncer.dsn(), tenants, start, seen), name=f"client-{n}"
        )
        for n in range(CLIENTS)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, 60 - (time.monotonic() - started)))
    assert not any(t.is_alive() for t in threads), "clients still running after 60 s"

    assert not seen.failures, "\n".join(seen.failures[:20])
    assert sum(seen.kinds.values()) == CLIENTS * ITERATIONS
    assert all(seen.kinds[k] > 0 for k in ("no context", "commit", "rollback", "error"))

    # pooling really happened: 40 clients, connected at once, ran on at most 2 backends
    all_pids = set().union(*seen.pids_by_client.values())
    assert len(seen.pids_by_client) == CLIENTS
    assert 1 <= len(all_pids) <= POOL_SIZE < CLIENTS, all_pids
    sharing = Counter(pid for pids in seen.pids_by_client.values() for pid in pids)
    assert max(sharing.values()) > 1, "no backend served more than one client"
    # ...and transactions without a context ran on backends where another transaction
    # had set one (the setting exists there, reset to ''): the leak the test looks for
    # was possible, and did not happen
    assert seen.leftover_settings["''"] > 0, seen.leftover_settings

    servers = bouncer.admin("SHOW SERVERS")
    assert len(servers) <= POOL_SIZE, servers
    with pg_server.connect() as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", [bouncer.user]
        ).fetchone()
    assert row is not None
    assert row[0] <= POOL_SIZE
