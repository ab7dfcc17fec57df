"""The tenant context counts only in the transaction that cmms.set_context set it in: a
value set at session level (SET, set_config(..., false)), or left by an earlier
transaction, is no context, directly and through PgBouncer in transaction pooling."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import psycopg

from tests.security.conftest import Conn, World
from tests.test_pgbouncer import Bouncer, app_login, bouncer  # noqa: F401 (fixtures)

FORGE_SESSION_CONTEXT = (
    "SELECT set_config('cmms.org_id', %(org)s, false),"
    " set_config('cmms.user_id', '', false),"
    " set_config('cmms.context_transaction',"
    " extract(epoch FROM transaction_timestamp())::text, false)"
)


def _sees(conn: Conn) -> tuple[Any, int]:
    org = conn.execute("SELECT cmms.current_org_id()").fetchone()
    users = conn.execute("SELECT count(*) FROM cmms.users").fetchone()
    assert org is not None
    assert users is not None
    return org[0], users[0]


def test_a_session_level_context_is_no_context(login: Callable[[str], str], world: World) -> None:
    with psycopg.connect(login("cmms_app"), autocommit=True) as conn:
        conn.execute(f"SET cmms.org_id = '{world.a}'")
        assert _sees(conn) == (None, 0)
        # Even with the transaction marker forged at session level in an earlier transaction.
        conn.execute(FORGE_SESSION_CONTEXT, {"org": str(world.a)})
        assert _sees(conn) == (None, 0)


def test_a_context_does_not_outlive_its_transaction(
    login: Callable[[str], str], world: World
) -> None:
    with psycopg.connect(login("cmms_app")) as conn:
        conn.execute("SELECT cmms.set_context(%s)", [world.a])
        assert _sees(conn) == (world.a, 2)
        conn.commit()
        assert _sees(conn) == (None, 0)


def test_a_session_level_context_leaks_to_no_other_client_through_pgbouncer(
    bouncer: Bouncer,  # noqa: F811
    migrated_db: str,
    world: World,
) -> None:
    """One client forges a session-level context on a pooled server connection; then other
    clients' transactions run on the same server connections and see nothing."""
    dsn = bouncer.dsn()
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as forger:
        forger_pid = forger.execute("SELECT pg_backend_pid()").fetchone()
        forger.execute(FORGE_SESSION_CONTEXT, {"org": str(world.a)})
        forger.execute(f"SET cmms.org_id = '{world.a}'")
    seen: list[tuple[int, Any, int]] = []
    lock = threading.Lock()

    def client() -> None:
        with psycopg.connect(dsn, prepare_threshold=None) as conn:
            for _ in range(10):
                pid = conn.execute("SELECT pg_backend_pid()").fetchone()
                org, users = _sees(conn)
                conn.commit()
                with lock:
                    seen.append((pid[0] if pid else 0, org, users))

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(seen) == 40
    assert forger_pid is not None
    assert forger_pid[0] in {pid for pid, _, _ in seen}
    assert {(org, users) for _, org, users in seen} == {(None, 0)}
