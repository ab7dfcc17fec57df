"""Permissions (0146-0149, issue 16 item 2), as a cmms_app login under row-level security:
every role holds by default what it could do before; an admin grants and revokes per
organization; a function that changes state refuses a user without its permission with
insufficient_privilege (42501) naming it; a technician cannot grant itself anything, and one
organization's overrides never touch another's."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest

from tests.rows import insert
from tests.test_api_work_orders import Tenant, a, b, create, raises_sqlstate, transition

Conn = psycopg.Connection[Any]

__all__ = ["a", "b"]  # fixtures

ROLES = ["admin", "manager", "technician", "requester", "viewer"]


def user(admin: Conn, org: uuid.UUID, role: str) -> uuid.UUID:
    return insert(
        admin,
        "users",
        {
            "organization_id": org,
            "email": f"{role}-{uuid.uuid4().hex[:6]}@example.com",
            "full_name": role.title(),
            "role": role,
        },
    )


def has(app: Conn, org: uuid.UUID, who: uuid.UUID | None, permission: str) -> bool:
    app.execute("SELECT cmms.set_context(%s, %s)", [org, who])
    row = app.execute("SELECT cmms.has_permission(%s)", [permission]).fetchone()
    app.rollback()
    assert row is not None
    return bool(row[0])


def set_permission(
    app: Conn, org: uuid.UUID, who: uuid.UUID, role: str, name: str, granted: Any
) -> None:
    app.execute("SELECT cmms.set_context(%s, %s)", [org, who])
    app.execute("SELECT cmms.set_role_permission(%s, %s, %s)", [role, name, granted])
    app.commit()


# Held by administrators alone: managing permissions, and reading every user's read marks
# (notification_reads, new with 0156: no role read them before).
ADMIN_ONLY = {"permission.manage", "notification.read_all"}


def test_the_defaults_keep_what_every_role_could_do(admin: Conn, app: Conn, a: Tenant) -> None:
    names = [n for (n,) in admin.execute("SELECT name FROM cmms.permissions ORDER BY name")]
    assert "work_order.close" in names
    assert "user.erase" in names
    for role in ROLES:
        someone = user(admin, a.org, role)
        for name in names:
            expected = name not in ADMIN_ONLY or role == "admin"
            assert has(app, a.org, someone, name) is expected, (role, name)
    assert has(app, a.org, None, "pm.generate"), "a system job (no user) runs the defaults"
    assert not has(app, a.org, None, "permission.manage")
    stranger = uuid.uuid4()
    assert has(app, a.org, stranger, "work_order.create"), "no user of the org: as before"
    assert not has(app, a.org, stranger, "permission.manage")
    assert not has(app, a.org, a.actor, "no.such")


def test_a_revoked_permission_refuses_the_function_naming_it(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    boss, tech = user(admin, a.org, "admin"), user(admin, a.org, "technician")
    wo = create(app, a, "Pump leaks")["id"]
    app.commit()
    set_permission(app, a.org, boss, "technician", "work_order.close", False)

    app.execute("SELECT cmms.set_context(%s, %s)", [a.org, tech])
    with raises_sqlstate(app, "42501", "work_order.close"):
        app.execute("SELECT cmms.transition_work_order(%s, 'closed')", [wo])
    assert transition(app, Tenant(a.org, tech, tech), wo, "in_progress")["status"] == "in_progress"
    app.commit()

    set_permission(app, a.org, boss, "technician", "work_order.create", False)
    app.execute("SELECT cmms.set_context(%s, %s)", [a.org, tech])
    with raises_sqlstate(app, "42501", "work_order.create"):
        app.execute("SELECT cmms.create_work_order('Fan noisy')")

    set_permission(app, a.org, boss, "technician", "work_order.create", None)
    assert has(app, a.org, tech, "work_order.create"), "NULL goes back to the default"


@pytest.mark.parametrize(
    ("permission", "call"),
    [
        ("user.erase", "SELECT cmms.erase_user(%(user)s)"),
        ("pm.generate", "SELECT cmms.generate_pm_work_orders()"),
        ("dashboard.refresh", "SELECT cmms.refresh_dashboard_metrics()"),
        ("purchase_order.receive", "SELECT cmms.receive_purchase_order(%(any)s)"),
        ("inventory.consume", "SELECT cmms.consume_part(%(any)s, %(any)s, 1)"),
        ("notification.send", "SELECT cmms.notify_organization('Closed Friday')"),
        ("notification.send", "SELECT cmms.notify_team(%(any)s, 'Closed Friday')"),
        ("notification.mark_read", "SELECT cmms.mark_notifications_read(ARRAY[%(any)s]::uuid[])"),
    ],
)
def test_each_function_checks_its_permission(
    admin: Conn, app: Conn, a: Tenant, permission: str, call: str
) -> None:
    boss, viewer = user(admin, a.org, "admin"), user(admin, a.org, "viewer")
    set_permission(app, a.org, boss, "viewer", permission, False)
    app.execute("SELECT cmms.set_context(%s, %s)", [a.org, viewer])
    with raises_sqlstate(app, "42501", permission):
        app.execute(call, {"user": a.tech, "any": uuid.uuid4()})


def test_a_technician_cannot_grant_itself_anything(admin: Conn, app: Conn, a: Tenant) -> None:
    tech = user(admin, a.org, "technician")
    app.execute("SELECT cmms.set_context(%s, %s)", [a.org, tech])
    with raises_sqlstate(app, "42501", "permission.manage"):
        app.execute("SELECT cmms.set_role_permission('technician', 'permission.manage', true)")
    app.execute("SELECT cmms.set_context(%s, %s)", [a.org, tech])
    with raises_sqlstate(app, "42501", "permission.manage"):
        app.execute(
            "INSERT INTO cmms.role_permission_overrides"
            " (organization_id, role, permission, granted)"
            " VALUES (%s, 'technician', 'permission.manage', true)",
            [a.org],
        )
    app.execute("SELECT cmms.set_context(%s, NULL)", [a.org])
    with raises_sqlstate(app, "42501", "permission.manage"):
        app.execute("SELECT cmms.set_role_permission('technician', 'user.erase', false)")
    overrides = "SELECT count(*) FROM cmms.role_permission_overrides WHERE organization_id = %s"
    assert admin.execute(overrides, [a.org]).fetchone() == (0,)


def test_an_admin_cannot_lock_the_organization_out(admin: Conn, app: Conn, a: Tenant) -> None:
    boss = user(admin, a.org, "admin")
    app.execute("SELECT cmms.set_context(%s, %s)", [a.org, boss])
    with raises_sqlstate(app, "22023", "admin"):
        app.execute("SELECT cmms.set_role_permission('admin', 'permission.manage', false)")
    app.execute("SELECT cmms.set_context(%s, %s)", [a.org, boss])
    with raises_sqlstate(app, "22023", "no role"):
        app.execute("SELECT cmms.set_role_permission('root', 'user.erase', false)")
    app.execute("SELECT cmms.set_context(%s, %s)", [a.org, boss])
    with raises_sqlstate(app, "22023", "no permission"):
        app.execute("SELECT cmms.set_role_permission('viewer', 'root.everything', true)")


def test_one_organizations_overrides_never_touch_anothers(
    admin: Conn, app: Conn, a: Tenant, b: Tenant
) -> None:
    boss_a = user(admin, a.org, "admin")
    tech_a, tech_b = user(admin, a.org, "technician"), user(admin, b.org, "technician")
    set_permission(app, a.org, boss_a, "technician", "user.erase", False)
    set_permission(app, a.org, boss_a, "viewer", "permission.manage", True)

    assert not has(app, a.org, tech_a, "user.erase")
    assert has(app, b.org, tech_b, "user.erase")
    # a's admin acting in b's context is no user of b: no permission there.
    assert not has(app, b.org, boss_a, "permission.manage")
    app.execute("SELECT cmms.set_context(%s, %s)", [b.org, boss_a])
    with raises_sqlstate(app, "42501", "permission.manage"):
        app.execute("SELECT cmms.set_role_permission('technician', 'user.erase', true)")
    app.execute("SELECT cmms.set_context(%s, %s)", [b.org, tech_b])
    seen = app.execute("SELECT count(*) FROM cmms.role_permission_overrides").fetchone()
    app.rollback()
    assert seen == (0,)
    app.execute("SELECT cmms.set_context(%s, %s)", [a.org, boss_a])
    effective = dict(
        ((role, name), granted)
        for role, name, granted in app.execute(
            "SELECT role, permission, granted FROM cmms.effective_role_permissions"
        ).fetchall()
    )
    app.rollback()
    assert effective[("technician", "user.erase")] is False
    assert effective[("viewer", "permission.manage")] is True
    assert effective[("manager", "user.erase")] is True
