"""Attack tests: each one logs in as a real non-superuser role (a member of cmms_app,
cmms_readonly or cmms_owner) and tries to cross a boundary of the data layer."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class World:
    """Two tenants with a user, an asset and a work order each, made by the superuser."""

    a: uuid.UUID
    b: uuid.UUID
    alice: uuid.UUID  # a user of A
    bob: uuid.UUID  # another user of A, whom the tests may erase
    asset_a: uuid.UUID
    asset_b: uuid.UUID


def _one(conn: Conn, query: str, params: list[Any]) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


@pytest.fixture
def world(admin: Conn) -> World:
    ids: dict[str, Any] = {}
    for tenant in ("a", "b"):
        org = _one(
            admin,
            "INSERT INTO cmms.organizations (name, slug) VALUES (%s, %s) RETURNING id",
            [f"Tenant {tenant}", f"tenant-{tenant}-{uuid.uuid4().hex[:6]}"],
        )
        ids[tenant] = org
        for name in ("alice", "bob") if tenant == "a" else ("carol",):
            ids[name] = _one(
                admin,
                "INSERT INTO cmms.users (organization_id, email, full_name) VALUES (%s, %s, %s)"
                " RETURNING id",
                [org, f"{name}@example.com", name.title()],
            )
        ids[f"asset_{tenant}"] = _one(
            admin,
            "INSERT INTO cmms.assets (organization_id, name, latitude, longitude)"
            " VALUES (%s, 'Pump house pump', 48.8566, 2.3522) RETURNING id",
            [org],
        )
        admin.execute(
            "INSERT INTO cmms.work_orders (organization_id, title) VALUES (%s, 'Pump leaks')",
            [org],
        )
    return World(ids["a"], ids["b"], ids["alice"], ids["bob"], ids["asset_a"], ids["asset_b"])


@pytest.fixture
def login(migrated_db: str, admin: Conn) -> Iterator[Callable[[str], str]]:
    """Make login roles that are members of a cmms role; yields a function giving the DSN
    of a fresh one (roles are cluster-wide: dropped at the end)."""
    made: list[str] = []

    def make(member_of: str) -> str:
        role = f"cmms_attacker_{uuid.uuid4().hex[:8]}"
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN IN ROLE {}").format(
                sql.Identifier(role), sql.Identifier(member_of)
            )
        )
        made.append(role)
        return make_conninfo(migrated_db, user=role)

    yield make
    for role in made:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [role]
        )
        admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
