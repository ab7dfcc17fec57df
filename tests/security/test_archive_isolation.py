"""Archived work orders stay behind tenant isolation: a real cmms_app login reads its own
tenant's archived rows (RLS forced, the same policy as the live tables) and never another's,
and cannot write to the archive or run the archiving functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from cmmsdb import archiving
from cmmsdb.target import Target
from tests.security.conftest import World
from tests.test_archiving import _work_order

Conn = psycopg.Connection[Any]


def test_a_tenant_reads_its_own_archived_work_orders_and_never_anothers(
    login: Callable[[str], str], admin: Conn, world: World, migrated_db: str
) -> None:
    mine = _work_order(admin, world.a)
    theirs = _work_order(admin, world.b)
    archiving.archive(Target(migrated_db, "test"), older_than="1y")

    for role in ("cmms_app", "cmms_readonly"):
        with psycopg.connect(login(role)) as conn:
            conn.execute("SELECT cmms.set_context(%s)", [world.a])
            seen = {r[0] for r in conn.execute("SELECT id FROM cmms_archive.work_orders")}
            assert seen == {mine}, role
            comments = conn.execute(
                "SELECT DISTINCT organization_id FROM cmms_archive.comments"
            ).fetchall()
            assert comments == [(world.a,)], role
            assert theirs not in seen
            conn.rollback()
            # no context, no rows
            assert conn.execute("SELECT count(*) FROM cmms_archive.work_orders").fetchone() == (0,)


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM cmms_archive.work_orders",
        "UPDATE cmms_archive.work_orders SET title = 'x'",
        "SELECT * FROM cmms_archive.archive_work_orders(now(), 10)",
        "SELECT * FROM cmms_archive.restore_work_orders(gen_random_uuid(), '{}')",
    ],
)
def test_the_application_cannot_change_the_archive(
    login: Callable[[str], str], world: World, statement: str
) -> None:
    with psycopg.connect(login("cmms_app")) as conn:
        conn.execute("SELECT cmms.set_context(%s)", [world.a])
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
