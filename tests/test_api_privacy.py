"""GDPR access and erasure (0085): cmms.export_user_data gives everything held about a
user; cmms.erase_user anonymises them, keeps the work history and every reference, is
audited, and leaves no copy of the erased data in clear in the audit trail."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from psycopg import errors

from tests.rows import make_row, new_org

Conn = psycopg.Connection[Any]
EMAIL, NAME, PHONE = "alice.martin@example.com", "Alice Martin", "+33 6 12 34 56 78"


@pytest.fixture
def world(admin: Conn) -> dict[str, Any]:
    a, b = new_org(admin, "Alpha"), new_org(admin, "Beta")

    def user(org: uuid.UUID, email: str, name: str, phone: str) -> uuid.UUID:
        row = admin.execute(
            "INSERT INTO cmms.users (organization_id, email, full_name, phone, password_hash)"
            " VALUES (%s, %s, %s, %s, '$argon2id$x') RETURNING id",
            [org, email, name, phone],
        ).fetchone()
        assert row
        return uuid.UUID(str(row[0]))

    alice, bob = user(a, EMAIL, NAME, PHONE), user(b, "bob@example.com", "Bob Other", "+1 555")
    admin.execute("UPDATE cmms.users SET job_title = 'Technician' WHERE id = %s", [alice])
    wo = admin.execute(
        "INSERT INTO cmms.work_orders (organization_id, title, assignee_user_id, created_by)"
        " VALUES (%s, 'Fix pump', %s, %s) RETURNING id",
        [a, alice, alice],
    ).fetchone()
    assert wo
    admin.execute(
        "INSERT INTO cmms.comments (organization_id, work_order_id, author_user_id, body)"
        " VALUES (%s, %s, %s, 'Done, pump fixed')",
        [a, wo[0], alice],
    )
    admin.execute(
        "INSERT INTO cmms.labor_entries (organization_id, work_order_id, user_id, started_at,"
        " minutes, hourly_rate) VALUES (%s, %s, %s, now(), 90, 40)",
        [a, wo[0], alice],
    )
    admin.execute(
        "INSERT INTO cmms.user_sessions (organization_id, user_id, refresh_token_hash,"
        " expires_at, ip_address) VALUES (%s, %s, 'tokenhash', now() + interval '1 day',"
        " '192.0.2.1')",
        [a, alice],
    )
    admin.execute(
        "INSERT INTO cmms.notifications (organization_id, user_id, notification_type, title)"
        " VALUES (%s, %s, 'system', 'Welcome')",
        [a, alice],
    )
    checklist = make_row(admin, "checklists", a)
    admin.execute(
        "INSERT INTO cmms.checklist_signatures (organization_id, checklist_id,"
        " signed_by_user_id, signer_name) VALUES (%s, %s, %s, %s)",
        [a, checklist, alice, NAME],
    )
    admin.execute(
        "INSERT INTO cmms.work_requests (organization_id, title, requester_user_id,"
        " requester_name, requester_email) VALUES (%s, 'Leak', %s, %s, %s)",
        [a, alice, NAME, EMAIL],
    )
    return {"A": a, "B": b, "alice": alice, "bob": bob, "work_order": wo[0]}


def call(app: Conn, org: uuid.UUID, function: str, user: uuid.UUID, actor: Any = None) -> Any:
    with app.transaction():
        app.execute("SELECT cmms.set_context(%s, %s)", [org, actor])
        row = app.execute(f"SELECT cmms.{function}(%s)", [user]).fetchone()
    assert row
    return row[0]


def test_export_holds_the_user_and_every_row_about_them(app: Conn, world: dict[str, Any]) -> None:
    data = call(app, world["A"], "export_user_data", world["alice"])
    assert data["user"]["email"] == EMAIL
    assert data["user"]["has_password"] is True
    assert "password_hash" not in data["user"]
    records = data["records"]
    assert records["work_orders"]["assignee_user_id"][0]["title"] == "Fix pump"
    assert records["comments"]["author_user_id"][0]["body"] == "Done, pump fixed"
    assert records["labor_entries"]["user_id"][0]["minutes"] == 90
    # the welcome, and the notice of the assignment (written by the work order's trigger)
    assert {n["title"] for n in records["notifications"]["user_id"]} == {
        "Welcome",
        "WO-000001 was assigned to you",
    }
    assert records["checklist_signatures"]["signed_by_user_id"][0]["signer_name"] == NAME
    session = records["user_sessions"]["user_id"][0]
    assert session["ip_address"] == "192.0.2.1"
    assert "refresh_token_hash" not in session
    assert [w["title"] for w in data["work_orders_created"]] == ["Fix pump"]
    assert {r["action"] for r in data["activity_about_user"]} == {"insert", "update"}
    assert "Bob Other" not in str(data)


def test_another_tenants_user_is_neither_exported_nor_erased(
    admin: Conn, app: Conn, world: dict[str, Any]
) -> None:
    for function in ("export_user_data", "erase_user"):
        with pytest.raises(errors.NoDataFound, match="no user"):
            call(app, world["A"], function, world["bob"])
        with pytest.raises(errors.NoDataFound, match="no user"):
            call(app, world["A"], function, uuid.uuid4())
    row = admin.execute("SELECT full_name FROM cmms.users WHERE id = %s", [world["bob"]]).fetchone()
    assert row == ("Bob Other",)


def test_erase_needs_a_tenant_context(app: Conn, world: dict[str, Any]) -> None:
    with pytest.raises(errors.InsufficientPrivilege, match="no tenant context"):
        app.execute("SELECT cmms.erase_user(%s)", [world["alice"]])


def test_erase_anonymises_the_person_and_keeps_the_work_history(
    admin: Conn, app: Conn, world: dict[str, Any]
) -> None:
    notified = admin.execute(
        "SELECT count(*) FROM cmms.notifications WHERE user_id = %s", [world["alice"]]
    ).fetchone()
    summary = call(app, world["A"], "erase_user", world["alice"], world["alice"])
    assert summary["sessions_deleted"] == 1
    assert notified == (2,)  # the welcome and the assignment's notice
    assert summary["notifications_deleted"] == 2
    assert summary["signatures_anonymised"] == 1
    assert summary["work_requests_anonymised"] == 1

    user = admin.execute(
        "SELECT email, full_name, phone, job_title, password_hash, status, deleted_at IS NOT NULL"
        " FROM cmms.users WHERE id = %s",
        [world["alice"]],
    ).fetchone()
    assert user == (
        f"erased-{world['alice']}@invalid",
        "Erased user",
        None,
        None,
        None,
        "disabled",
        True,
    )
    kept = admin.execute(
        "SELECT (SELECT assignee_user_id FROM cmms.work_orders WHERE id = %(wo)s),"
        " (SELECT count(*) FROM cmms.comments WHERE author_user_id = %(u)s),"
        " (SELECT count(*) FROM cmms.labor_entries WHERE user_id = %(u)s),"
        " (SELECT count(*) FROM cmms.user_sessions WHERE user_id = %(u)s),"
        " (SELECT count(*) FROM cmms.notifications WHERE user_id = %(u)s)",
        {"wo": world["work_order"], "u": world["alice"]},
    ).fetchone()
    assert kept == (world["alice"], 1, 1, 0, 0)

    # No copy of the erased data anywhere in the tenant's tables or its audit trail.
    for table in ("users", "checklist_signatures", "work_requests", "activity_logs"):
        dump = admin.execute(
            f"SELECT string_agg(t::text, ' ') FROM cmms.{table} AS t WHERE organization_id = %s",
            [world["A"]],
        ).fetchone()
        assert dump
        assert dump[0]
        for secret in (EMAIL, NAME, PHONE, "Technician"):
            assert secret not in dump[0], (table, secret)
    # The erasure itself is in the audit trail, with who did it.
    audit = admin.execute(
        "SELECT actor_id, changed_columns FROM cmms.activity_logs WHERE table_name = 'users'"
        " AND row_id = %s AND action = 'update' AND 'full_name' = ANY (changed_columns)"
        " AND new_values ->> 'full_name' = '[erased]' ORDER BY created_at DESC LIMIT 1",
        [world["alice"]],
    ).fetchone()
    assert audit
    assert audit[0] == world["alice"]
    assert "email" in audit[1]
    # Bob, of the other tenant, is untouched, and so is his audit trail.
    bob = admin.execute(
        "SELECT count(*) FROM cmms.activity_logs WHERE row_id = %s"
        " AND new_values ->> 'full_name' = 'Bob Other'",
        [world["bob"]],
    ).fetchone()
    assert bob == (1,)


def test_erasing_twice_is_harmless(app: Conn, world: dict[str, Any]) -> None:
    call(app, world["A"], "erase_user", world["alice"])
    again = call(app, world["A"], "erase_user", world["alice"])
    assert again["sessions_deleted"] == 0


def test_the_audit_trail_stays_append_only_beyond_erasure(
    admin: Conn, world: dict[str, Any]
) -> None:
    with pytest.raises(errors.InsufficientPrivilege, match="append-only"):
        admin.execute("UPDATE cmms.activity_logs SET new_values = '{}'")
    with admin.transaction():
        admin.execute("SELECT cmms.set_context(%s)", [world["A"]])
        admin.execute("SELECT set_config('cmms.erasing_user', 'x', true)")
        # Even with the erasure flag set, only "[erased]" may replace a value.
        with pytest.raises(errors.InsufficientPrivilege, match="append-only"):
            admin.execute("UPDATE cmms.activity_logs SET new_values = '{\"forged\": 1}'")
    with pytest.raises(errors.InsufficientPrivilege, match="append-only"):
        admin.execute("DELETE FROM cmms.activity_logs")


def test_the_read_only_role_may_export_but_not_erase(
    admin: Conn, migrated_db: str, world: dict[str, Any]
) -> None:
    role = f"cmms_test_ro_{uuid.uuid4().hex[:8]}"
    admin.execute(f"CREATE ROLE {role} LOGIN IN ROLE cmms_readonly")
    try:
        with psycopg.connect(migrated_db, user=role) as reader:
            data = call(reader, world["A"], "export_user_data", world["alice"])
            assert data["user"]["full_name"] == NAME
            with pytest.raises(errors.InsufficientPrivilege):
                call(reader, world["A"], "erase_user", world["alice"])
    finally:
        admin.execute(f"DROP ROLE {role}")
