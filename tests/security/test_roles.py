"""The owner and the definer roles: a login acting as cmms_owner is subject to row-level
security like the application (no context, no rows), nobody can use cmms_search's or
cmms_audit's rights outside the functions they own, and the audit trail is written only by
the audit trigger and erased only by cmms.erase_user."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from psycopg import errors

from tests.security.conftest import Conn, World

TENANT_TABLES = ["organizations", "users", "assets", "work_orders", "activity_logs"]


def test_nobody_can_use_the_definer_roles_rights(admin: Conn) -> None:
    """No role may inherit or SET ROLE to cmms_search or cmms_audit (an admin-only
    membership, which PostgreSQL 16 gives the non-superuser creator of a role, cannot)."""
    if admin.info.server_version >= 160000:
        query = (
            "SELECT roleid::regrole::text, member::regrole::text FROM pg_auth_members"
            " WHERE roleid::regrole::text IN ('cmms_search', 'cmms_audit')"
            " AND (inherit_option OR set_option)"
        )
    else:
        query = (
            "SELECT roleid::regrole::text, member::regrole::text FROM pg_auth_members"
            " WHERE roleid::regrole::text IN ('cmms_search', 'cmms_audit')"
        )
    assert admin.execute(query).fetchall() == []


@pytest.mark.parametrize("how", ["login", "set role"])
def test_the_owner_without_context_sees_no_tenant_rows(
    how: str, login: Callable[[str], str], world: World
) -> None:
    with psycopg.connect(login("cmms_owner"), autocommit=True) as owner:
        if how == "set role":
            owner.execute("SET ROLE cmms_owner")
        for table in TENANT_TABLES:
            count = owner.execute(f"SELECT count(*) FROM cmms.{table}").fetchone()
            assert count == (0,), f"the owner saw {count} rows of {table} without context"


def test_the_owner_with_context_sees_only_that_tenant(
    login: Callable[[str], str], world: World
) -> None:
    with psycopg.connect(login("cmms_owner")) as owner:
        owner.execute("SELECT cmms.set_context(%s)", [world.a])
        orgs = {o for (o,) in owner.execute("SELECT organization_id FROM cmms.assets")}
        assert orgs == {world.a}


def test_the_owner_cannot_write_the_audit_trail(login: Callable[[str], str], world: World) -> None:
    with psycopg.connect(login("cmms_owner")) as owner:
        owner.execute("SELECT cmms.set_context(%s)", [world.a])
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            owner.execute(
                "INSERT INTO cmms.activity_logs (organization_id, table_name, row_id, action,"
                " created_at) VALUES (%s, 'assets', %s, 'delete', '2020-01-01')",
                [world.a, world.asset_a],
            )


@pytest.mark.parametrize("member_of", ["cmms_owner", "cmms_app"])
def test_the_erasure_exception_cannot_be_triggered_by_a_setting(
    member_of: str, login: Callable[[str], str], admin: Conn, world: World
) -> None:
    """Before 0088, setting cmms.erasing_user let any UPDATE that looks like an erasure
    through; now only cmms_audit's (inside cmms.erase_user) is let through."""
    admin.execute("UPDATE cmms.users SET job_title = 'Boss' WHERE id = %s", [world.alice])
    with psycopg.connect(login(member_of)) as conn:
        conn.execute("SELECT cmms.set_context(%s)", [world.a])
        conn.execute("SELECT set_config('cmms.erasing_user', %s, true)", [str(world.alice)])
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(
                "UPDATE cmms.activity_logs SET new_values = jsonb_build_object("
                "'job_title', '[erased]') WHERE new_values ? 'job_title'"
            )
    kept = admin.execute(
        "SELECT count(*) FROM cmms.activity_logs WHERE new_values ->> 'job_title' = 'Boss'"
    ).fetchone()
    assert kept == (1,)


def test_only_erase_user_may_call_erase_audit_values(
    login: Callable[[str], str], world: World
) -> None:
    with psycopg.connect(login("cmms_app")) as app:
        app.execute("SELECT cmms.set_context(%s)", [world.a])
        with pytest.raises(errors.InsufficientPrivilege):
            app.execute(
                "SELECT cmms.erase_audit_values('users', ARRAY[%s]::uuid[], ARRAY['email'])",
                [world.alice],
            )


def test_erase_user_still_erases_the_audit_trails_copies(
    login: Callable[[str], str], admin: Conn, world: World
) -> None:
    with psycopg.connect(login("cmms_app")) as app:
        app.execute("SELECT cmms.set_context(%s)", [world.a])
        done = app.execute("SELECT cmms.erase_user(%s)", [world.bob]).fetchone()
        app.commit()
    assert done is not None
    assert done[0]["audit_records_erased"] >= 1
    left = admin.execute(
        "SELECT count(*) FROM cmms.activity_logs WHERE row_id = %s"
        " AND 'bob@example.com' IN (new_values ->> 'email', old_values ->> 'email')",
        [world.bob],
    ).fetchone()
    assert left == (0,)


@pytest.mark.parametrize("member_of", ["cmms_app", "cmms_readonly"])
def test_partitions_cannot_be_read_or_written_directly(
    member_of: str, login: Callable[[str], str], admin: Conn, world: World
) -> None:
    """Row-level security is on the partitioned tables; their partitions have no grant."""
    partitions = [
        p
        for (p,) in admin.execute(
            "SELECT c.oid::regclass::text FROM pg_inherits AS i JOIN pg_class AS c"
            " ON c.oid = i.inhrelid WHERE c.relnamespace = 'cmms'::regnamespace"
            " AND c.relkind IN ('r', 'p') ORDER BY 1"
        )
    ]
    assert any("work_orders" in p for p in partitions)
    assert any("activity_logs" in p for p in partitions)
    with psycopg.connect(login(member_of), autocommit=True) as conn:
        for partition in partitions:
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(f"SELECT 1 FROM {partition} LIMIT 1")
