"""cmmsdb.tenancy: tenant connections and pools for app teams.

Every transaction of a tenant connection runs with its tenant's context, however it was
started; a pool never hands out a connection with a context, role or setting left by the
last tenant; a login that row-level security does not bind is refused; and the whole works
through a real PgBouncer in transaction pooling.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors, pq, sql
from psycopg.conninfo import make_conninfo

from cmmsdb.errors import EXIT_ERROR, ConnectionFailed, UnsafeTenantLogin
from cmmsdb.tenancy import TenantConnection, TenantPool, connect_as_tenant
from tests.test_pgbouncer import Bouncer, Tenant, _seed, app_login, bouncer

__all__ = ["app_login", "bouncer"]  # test_pgbouncer's fixtures: a pgbouncer and its login

CONTEXT = "SELECT cmms.current_org_id(), cmms.current_user_id()"


@pytest.fixture
def tenants(migrated_db: str) -> dict[str, Tenant]:
    return _seed(migrated_db)


@pytest.fixture
def login(migrated_db: str, admin: psycopg.Connection[Any]) -> Iterator[str]:
    """A DSN of a fresh login role of cmms_app (as an app team's service would use)."""
    yield from _role(migrated_db, admin, "IN ROLE cmms_app")


def _role(dsn: str, admin: psycopg.Connection[Any], options: str) -> Iterator[str]:
    role = f"cmms_tenancy_{uuid.uuid4().hex[:8]}"
    admin.execute(sql.SQL("CREATE ROLE {} LOGIN " + options).format(sql.Identifier(role)))
    try:
        yield make_conninfo(dsn, user=role)
    finally:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [role]
        )
        admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def _orgs(conn: psycopg.Connection[Any]) -> set[uuid.UUID]:
    return {row[0] for row in conn.execute("SELECT organization_id FROM cmms.users")}


def test_every_transaction_of_a_tenant_connection_has_the_context(
    login: str, tenants: dict[str, Tenant]
) -> None:
    a, b = tenants["a"], tenants["b"]
    user = next(iter(a.users))
    with connect_as_tenant(login, a.org, user) as conn:
        assert conn.execute(CONTEXT).fetchone() == (a.org, user)
        assert _orgs(conn) == {a.org}
        assert len(conn.execute("SELECT id FROM cmms.users").fetchall()) == len(a.users)
        conn.commit()
        assert _orgs(conn) == {a.org}  # the next transaction: the context again
        conn.rollback()
        with pytest.raises(errors.DivisionByZero):
            conn.execute("SELECT 1 / 0")
        conn.rollback()
        assert conn.execute(CONTEXT).fetchone() == (a.org, user)
        conn.commit()
        with conn.transaction():  # an explicit transaction block
            assert _orgs(conn) == {a.org}
        with conn.pipeline():  # pipeline mode: BEGIN and the context are queued
            cur = conn.execute(CONTEXT)
            conn.execute("SELECT 1")
        assert cur.fetchone() == (a.org, user)
        conn.commit()
        conn.autocommit = True
        with conn.transaction():  # autocommit: the block's own BEGIN
            assert conn.execute(CONTEXT).fetchone() == (a.org, user)
        # autocommit outside a block: no transaction to start, no context, no rows
        assert conn.execute(CONTEXT).fetchone() == (None, None)
        assert _orgs(conn) == set()
        conn.autocommit = False
        conn.bind(b.org, None)  # between transactions, another tenant
        assert conn.execute(CONTEXT).fetchone() == (b.org, None)
        assert _orgs(conn) == {b.org}
        with pytest.raises(Exception, match="inside a transaction"):
            conn.bind(a.org, None)
        conn.rollback()
        conn.unbind()
        assert _orgs(conn) == set()  # unbound: fail closed


def _round_trips(conn: psycopg.Connection[Any], trace: Path) -> tuple[int, Any]:
    """The context that the first statement of a transaction sees, and the round trips of
    that transaction (the server's ReadyForQuery messages in libpq's trace)."""
    with trace.open("w") as handle:
        conn.pgconn.trace(handle.fileno())
        conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            row = conn.execute(CONTEXT).fetchone()
            conn.commit()
        finally:
            conn.pgconn.untrace()
    return trace.read_text().count("ReadyForQuery"), row


def test_the_tenant_context_costs_no_round_trip(
    login: str, tenants: dict[str, Tenant], tmp_path: Path
) -> None:
    a, b = tenants["a"], tenants["b"]
    user = next(iter(a.users))
    with psycopg.connect(login) as plain:  # BEGIN, the statement, COMMIT
        assert _round_trips(plain, tmp_path / "plain") == (3, (None, None))
    with connect_as_tenant(login, a.org, user) as conn:
        assert _round_trips(conn, tmp_path / "tenant") == (3, (a.org, user))
        conn.bind(b.org, None)
        assert _round_trips(conn, tmp_path / "again") == (3, (b.org, None))
        assert _orgs(conn) == {b.org}
        conn.rollback()
        conn.read_only = True  # another BEGIN statement: the context follows it too
        assert _round_trips(conn, tmp_path / "read only") == (3, (b.org, None))
        with pytest.raises(errors.ReadOnlySqlTransaction):
            conn.execute(
                "INSERT INTO cmms.assets (organization_id, name) VALUES (%s, 'x')", [b.org]
            )


def test_a_tenant_connection_writes_as_its_tenant_and_user(
    login: str, tenants: dict[str, Tenant]
) -> None:
    a = tenants["a"]
    user = next(iter(a.users))
    with connect_as_tenant(login, str(a.org), str(user)) as conn:
        row = conn.execute(
            "INSERT INTO cmms.assets (organization_id, name) VALUES (%s, 'Pump')"
            " RETURNING created_by",
            [a.org],
        ).fetchone()
        assert row == (user,)
        with pytest.raises(errors.InsufficientPrivilege):  # row-level security: not B's
            conn.execute(
                "INSERT INTO cmms.assets (organization_id, name) VALUES (%s, 'Pump')",
                [tenants["b"].org],
            )


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ("SUPERUSER", "is a superuser"),
        ("BYPASSRLS IN ROLE cmms_app", "has BYPASSRLS"),
        ("IN ROLE cmms_owner", "owns the tenant tables (a member of cmms_owner)"),
    ],
)
def test_a_login_that_rls_does_not_bind_is_refused_in_one_line(
    migrated_db: str,
    admin: psycopg.Connection[Any],
    tenants: dict[str, Tenant],
    options: str,
    said: str,
) -> None:
    for dsn in _role(migrated_db, admin, options):
        with pytest.raises(UnsafeTenantLogin) as raised, connect_as_tenant(dsn, tenants["a"].org):
            pytest.fail("a connection was handed out")
        with pytest.raises(UnsafeTenantLogin):
            TenantPool(dsn, min_size=0, max_size=1)
    message = str(raised.value)
    assert said in message
    assert "row-level security does not bind it" in message
    assert "cmms_app" in (raised.value.hint or "")
    assert "\n" not in message
    assert raised.value.exit_code == EXIT_ERROR


def test_a_failed_connection_is_one_line_without_the_password(migrated_db: str) -> None:
    dsn = make_conninfo(migrated_db, user="nobody_here", password="s3cret-pw", connect_timeout=5)
    with pytest.raises(ConnectionFailed) as raised, connect_as_tenant(dsn, uuid.uuid4()):
        pytest.fail("a connection was handed out")
    assert "s3cret-pw" not in str(raised.value)
    assert "\n" not in str(raised.value)
    assert raised.value.exit_code == EXIT_ERROR


def test_an_unmigrated_database_is_named(empty_db: str, admin: psycopg.Connection[Any]) -> None:
    for dsn in _role(empty_db, admin, ""):
        with pytest.raises(Exception, match="no cmms schema"), connect_as_tenant(dsn, uuid.uuid4()):
            pytest.fail("a connection was handed out")


def test_a_pool_never_returns_a_connection_with_the_last_tenants_state(
    login: str, tenants: dict[str, Tenant]
) -> None:
    a, b = tenants["a"], tenants["b"]
    with TenantPool(login, min_size=1, max_size=1) as pool:
        pool.pool.wait()
        with pool.connection(a.org, next(iter(a.users))) as conn:
            assert _orgs(conn) == {a.org}
            pid = conn.info.backend_pid
            # what a careless service might leave behind, outside the transaction too
            conn.execute("SET search_path = public")
            conn.commit()
            conn.execute("SET ROLE cmms_app")
            conn.execute("SELECT set_config('cmms.org_id', %s, false)", [str(a.org)])
            conn.commit()
            conn.execute("SELECT 1")  # a transaction left open
        with pool.connection(b.org) as conn:  # a block that raises
            assert _orgs(conn) == {b.org}
            with pytest.raises(errors.DivisionByZero):
                conn.execute("SELECT 1 / 0")
        with pool.pool.connection() as raw:  # the pool's connection, as it was given back
            assert raw.info.backend_pid == pid
            assert isinstance(raw, TenantConnection)
            assert raw.organization_id is None
            state = raw.execute(
                "SELECT cmms.current_org_id(), current_setting('cmms.org_id', true),"
                " current_setting('role'), current_setting('search_path')"
            ).fetchone()
            assert state is not None
            assert state[0] is None
            assert state[1] in (None, "")
            assert state[2] == "none"
            default = raw.execute(
                "SELECT reset_val FROM pg_settings WHERE name = 'search_path'"
            ).fetchone()
            assert default is not None
            assert state[3] == default[0] != "public"
            assert _orgs(raw) == set()
        with pool.connection(b.org) as conn:
            assert _orgs(conn) == {b.org}
            assert conn.info.backend_pid == pid


@pytest.mark.slow
def test_a_tenant_pool_isolates_tenants_through_pgbouncer_transaction_pooling(
    migrated_db: str, bouncer: Bouncer
) -> None:
    tenants = _seed(migrated_db)
    failures: list[str] = []
    pids: set[int] = set()
    lock = threading.Lock()
    with TenantPool(bouncer.dsn(), min_size=4, max_size=4) as pool:

        def client(number: int) -> None:
            try:
                for step in range(30):
                    tenant = tenants["ab"[(number + step) % 2]]
                    with pool.connection(tenant.org) as conn:
                        pid = conn.execute("SELECT pg_backend_pid()").fetchone()
                        seen = {r[0] for r in conn.execute("SELECT id FROM cmms.users")}
                        if seen != set(tenant.users):
                            with lock:
                                failures.append(f"client {number} step {step}: {len(seen)}")
                        conn.commit()
                        with lock:
                            pids.add(pid[0] if pid else -1)
                        if step % 3 == 0:
                            conn.execute("SELECT 1")  # a second transaction, same block
                            assert _orgs(conn) <= {tenant.org}
            except Exception as exc:
                with lock:
                    failures.append(f"client {number}: {type(exc).__name__}: {exc}")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert not failures, failures[:10]
    # 4 pool connections (pgbouncer clients) shared 2 server connections
    assert 1 <= len(pids) <= 2, pids
