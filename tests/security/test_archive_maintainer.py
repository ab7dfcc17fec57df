"""Archiving as a non-superuser: a real login that is a member of cmms_maintainer (and of
nothing else, no BYPASSRLS) archives, counts and restores every tenant's finished work
orders through the SECURITY DEFINER functions of cmms_archive, and can do nothing else with
them: it reads no tenant row, cannot become the role that owns them, cannot restore one
tenant's work orders under another's id; the application cannot run them at all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from cmmsdb import archiving
from cmmsdb.target import Target
from tests.security.conftest import World
from tests.test_archiving import _work_order

Conn = psycopg.Connection[Any]


def _archived(admin: Conn) -> set[Any]:
    return {r[0] for r in admin.execute("SELECT id FROM cmms_archive.work_orders")}


def test_a_maintainer_login_counts_archives_and_restores_every_tenant(
    login: Callable[[str], str], admin: Conn, world: World
) -> None:
    mine = _work_order(admin, world.a)
    theirs = _work_order(admin, world.b)
    maintainer = Target(login("cmms_maintainer"), "test")
    row = admin.execute(
        "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %s",
        [psycopg.conninfo.conninfo_to_dict(maintainer.dsn)["user"]],
    ).fetchone()
    assert row == (False,)

    counted = archiving.archive(maintainer, older_than="1y", dry_run=True)
    assert counted.work_orders == 2
    assert counted.rows["comments"] == 4
    assert _archived(admin) == set()

    moved = archiving.archive(maintainer, older_than="1y")
    assert moved.work_orders == 2
    assert _archived(admin) == {mine, theirs}

    restored = archiving.restore(maintainer, world.a, [mine])
    assert restored.work_orders == 1
    assert restored.rows["comments"] == 2
    assert _archived(admin) == {theirs}
    live = admin.execute(
        "SELECT count(*) FROM cmms.work_orders WHERE organization_id = %s AND id = %s",
        [world.a, mine],
    ).fetchone()
    assert live == (1,)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT count(*) FROM cmms.work_orders",
        "SELECT count(*) FROM cmms.users",
        "SELECT count(*) FROM cmms_archive.work_orders",
        "SELECT count(*) FROM cmms_archive.comments",
        "SELECT count(*) FROM cmms_archive.restorations",
        "DELETE FROM cmms_archive.restorations",
        "UPDATE cmms_archive.restorations SET restored_at = now()",
        "INSERT INTO cmms_archive.restorations (organization_id, work_order_id) VALUES "
        "(gen_random_uuid(), gen_random_uuid())",
        "DELETE FROM cmms_archive.work_orders",
        "INSERT INTO cmms_archive.work_orders (organization_id, id) VALUES (gen_random_uuid(), "
        "gen_random_uuid())",
        "SET ROLE cmms_archiver",
        "SET ROLE cmms_app",
        "SELECT cmms_archive.archive_filter('work_orders')",
        "CREATE TABLE cmms_archive.x (a int)",
        "CREATE FUNCTION cmms_archive.x() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    ],
)
def test_the_maintainer_reads_and_writes_no_tenant_row_itself(
    login: Callable[[str], str], admin: Conn, world: World, statement: str
) -> None:
    _work_order(admin, world.a)
    archiving.archive(Target(login("cmms_maintainer"), "test"), older_than="1y")
    with (
        psycopg.connect(login("cmms_maintainer")) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(statement)


def test_the_maintainer_cannot_restore_one_tenants_work_orders_under_anothers_id(
    login: Callable[[str], str], admin: Conn, world: World
) -> None:
    theirs = _work_order(admin, world.b)
    maintainer = Target(login("cmms_maintainer"), "test")
    archiving.archive(maintainer, older_than="1y")

    report = archiving.restore(maintainer, world.a, [theirs])

    assert report.work_orders == 0
    assert _archived(admin) == {theirs}


def test_restore_by_date_takes_only_that_tenants_work_orders_archived_since(
    login: Callable[[str], str], admin: Conn, world: World
) -> None:
    earlier = _work_order(admin, world.a)
    maintainer = Target(login("cmms_maintainer"), "test")
    archiving.archive(maintainer, older_than="1y")
    admin.execute(
        "UPDATE cmms_archive.work_orders SET archived_at = '2020-01-01' WHERE id = %s", [earlier]
    )
    later = _work_order(admin, world.a)
    theirs = _work_order(admin, world.b)
    archiving.archive(maintainer, older_than="1y")

    report = archiving.restore(maintainer, world.a, since=datetime(2021, 1, 1, tzinfo=UTC))

    assert report.work_orders == 1
    assert _archived(admin) == {earlier, theirs}
    assert later not in _archived(admin)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM cmms_archive.archive_work_orders(now(), 10, true)",
        "SELECT * FROM cmms_archive.restore_work_orders(gen_random_uuid(), '{}', now())",
    ],
)
@pytest.mark.parametrize("role", ["cmms_app", "cmms_readonly", "cmms_owner"])
def test_no_other_role_runs_the_archiving_functions(
    login: Callable[[str], str], statement: str, role: str
) -> None:
    with psycopg.connect(login(role)) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT count(*) FROM cmms_archive.restorations",
        "DELETE FROM cmms_archive.restorations",
        "UPDATE cmms_archive.restorations SET restored_at = now()",
        "INSERT INTO cmms_archive.restorations (organization_id, work_order_id)"
        " VALUES (cmms.current_org_id(), gen_random_uuid())",
    ],
)
@pytest.mark.parametrize("role", ["cmms_app", "cmms_readonly"])
def test_a_tenant_login_neither_reads_nor_writes_the_restorations(
    login: Callable[[str], str], admin: Conn, world: World, statement: str, role: str
) -> None:
    """Not even its own tenant's: a row there keeps a work order live, so the application
    could keep it from being archived."""
    mine = _work_order(admin, world.a)
    maintainer = Target(login("cmms_maintainer"), "test")
    archiving.archive(maintainer, older_than="1y")
    archiving.restore(maintainer, world.a, [mine])
    with psycopg.connect(login(role)) as conn:
        conn.execute("SELECT cmms.set_context(%s)", [world.a])
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
    left = admin.execute("SELECT count(*) FROM cmms_archive.restorations").fetchone()
    assert left == (1,)
