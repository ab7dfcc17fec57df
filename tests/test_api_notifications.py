"""Notifications to a whole organization or a team, with per-user read state (0154-0157,
issue 16 item 4), as a cmms_app login under row-level security: cmms.notify_organization
and cmms.notify_team send one row whose readers are resolved when read; cmms.my_notifications
lists a user's own, organization's and teams' notifications with that user's read state;
cmms.mark_notifications_read marks them per user. A user never reads or marks another
organization's notifications, nor a team's they are not a member of."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import psycopg
import pytest

from tests.rows import insert, make_row
from tests.test_api_rules import team_of
from tests.test_api_work_orders import Tenant, a, act, b, one, raises_sqlstate

Conn = psycopg.Connection[Any]

__all__ = ["a", "b"]  # fixtures shared with test_api_work_orders
READS_OF = "SELECT count(*) FROM cmms.notification_reads WHERE organization_id = %s"


def send_to_organization(app: Conn, who: Tenant, title: str, **named: Any) -> uuid.UUID:
    act(app, who)
    arguments = "".join(f", {name} => %({name})s" for name in named)
    made = app.execute(
        f"SELECT cmms.notify_organization(%(title)s{arguments})", {"title": title, **named}
    ).fetchone()
    app.commit()
    assert made is not None
    return made[0]  # type: ignore[no-any-return]


def send_to_team(app: Conn, who: Tenant, team: uuid.UUID, title: str) -> uuid.UUID:
    act(app, who)
    made = one(app, "SELECT cmms.notify_team(%s, %s, 'Body')", [team, title])
    app.commit()
    return made  # type: ignore[no-any-return]


def mine(app: Conn, who: Tenant, reader: uuid.UUID, unread_only: bool = False) -> dict[str, Any]:
    """cmms.my_notifications of `reader`: title -> (audience, read or not)."""
    act(app, who, reader)
    rows = app.execute(
        "SELECT title, audience, read_at IS NOT NULL FROM cmms.my_notifications(%s)",
        [unread_only],
    ).fetchall()
    app.commit()
    return {title: (audience, read) for title, audience, read in rows}


def mark(app: Conn, who: Tenant, reader: uuid.UUID, *ids: uuid.UUID) -> int:
    act(app, who, reader)
    marked = one(app, "SELECT cmms.mark_notifications_read(%s::uuid[])", [list(ids)])
    app.commit()
    return int(marked)


def test_a_notification_to_the_organization_reaches_each_of_its_users_only(
    admin: Conn, app: Conn, a: Tenant, b: Tenant
) -> None:
    made = send_to_organization(app, a, "Plant closed Friday", body="Holiday")
    for reader in (a.actor, a.tech):
        assert mine(app, a, reader) == {"Plant closed Friday": ("organization", False)}
    assert mine(app, b, b.tech) == {}
    row = admin.execute(
        "SELECT organization_id, user_id, team_id, body, created_by FROM cmms.notifications"
        " WHERE id = %s",
        [made],
    ).fetchone()
    assert row == (a.org, None, None, "Holiday", a.actor)


def test_a_team_notification_reaches_its_members_now_and_nobody_else(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    outsider = make_row(admin, "users", a.org)
    team = team_of(admin, a, a.tech)
    send_to_team(app, a, team, "Crane inspection at 9")
    assert mine(app, a, a.tech) == {"Crane inspection at 9": ("team", False)}
    assert mine(app, a, outsider) == {}
    act(app, a, outsider)  # not through the function either: row-level security
    assert one(app, "SELECT count(*) FROM cmms.notifications WHERE team_id = %s", [team]) == 0
    app.rollback()
    act(app, a, a.tech)
    assert one(app, "SELECT count(*) FROM cmms.notifications WHERE team_id = %s", [team]) == 1
    app.rollback()
    app.execute("SELECT cmms.set_context(%s, NULL)", [a.org])  # a system job sees the tenant
    assert one(app, "SELECT count(*) FROM cmms.notifications WHERE team_id = %s", [team]) == 1
    app.rollback()
    # membership is resolved when read: a new member sees it, one who left no longer does
    insert(admin, "team_members", {"organization_id": a.org, "team_id": team, "user_id": outsider})
    admin.execute(
        "UPDATE cmms.team_members SET deleted_at = now() WHERE team_id = %s AND user_id = %s",
        [team, a.tech],
    )
    assert mine(app, a, outsider) == {"Crane inspection at 9": ("team", False)}
    assert mine(app, a, a.tech) == {}


def test_read_state_is_per_user(admin: Conn, app: Conn, a: Tenant) -> None:
    team = team_of(admin, a, a.actor, a.tech)
    everyone = send_to_organization(app, a, "Everyone")
    crew = send_to_team(app, a, team, "Crew")
    direct = insert(
        admin,
        "notifications",
        {
            "organization_id": a.org,
            "user_id": a.tech,
            "notification_type": "system",
            "title": "You",
        },
    )
    assert mark(app, a, a.tech, everyone, crew, direct) == 3
    assert mine(app, a, a.tech) == {
        "Everyone": ("organization", True),
        "Crew": ("team", True),
        "You": ("user", True),
    }
    assert mine(app, a, a.actor) == {"Everyone": ("organization", False), "Crew": ("team", False)}
    assert mine(app, a, a.tech, unread_only=True) == {}
    assert mark(app, a, a.tech, everyone, direct) == 0  # already read: nothing changes
    assert (
        one(admin, "SELECT count(*) FROM cmms.notification_reads WHERE user_id = %s", [a.tech]) == 2
    )
    assert one(admin, "SELECT read_at IS NOT NULL FROM cmms.notifications WHERE id = %s", [direct])
    assert one(admin, "SELECT read_at FROM cmms.notifications WHERE id = %s", [everyone]) is None


# --- attacks, as real application logins ----------------------------------------------------


def test_a_user_cannot_mark_another_organizations_or_another_teams_notification(
    admin: Conn, app: Conn, a: Tenant, b: Tenant
) -> None:
    theirs = send_to_organization(app, b, "B only")
    team = team_of(admin, a, a.actor)
    crew = send_to_team(app, a, team, "Crew only")
    for victim in (theirs, crew):
        act(app, a, a.tech)
        with raises_sqlstate(app, "P0002", str(victim)):
            app.execute("SELECT cmms.mark_notifications_read(%s::uuid[])", [[victim]])
    assert one(admin, READS_OF, [a.org]) == 0
    act(app, a, a.tech)
    assert one(app, "SELECT count(*) FROM cmms.notifications WHERE id = %s", [theirs]) == 0
    app.rollback()


def test_a_user_cannot_write_or_read_anothers_read_marks(
    admin: Conn, app: Conn, a: Tenant, b: Tenant
) -> None:
    everyone = send_to_organization(app, a, "Everyone")
    mark(app, a, a.actor, everyone)
    act(app, a, a.tech)
    assert one(app, "SELECT count(*) FROM cmms.notification_reads") == 0  # a.actor's mark
    with raises_sqlstate(app, "42501", "notification_reads"):
        insert(
            app,
            "notification_reads",
            {"organization_id": a.org, "notification_id": everyone, "user_id": a.actor},
        )
    act(app, b, b.tech)
    with raises_sqlstate(app, "42501", "notification_reads"):
        insert(
            app,
            "notification_reads",
            {"organization_id": a.org, "notification_id": everyone, "user_id": b.tech},
        )
    assert mine(app, a, a.tech) == {"Everyone": ("organization", False)}


def test_a_gdpr_export_by_an_administrator_holds_the_users_read_marks(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    everyone = send_to_organization(app, a, "Everyone")
    mark(app, a, a.tech, everyone)
    act(app, a, a.actor)  # a technician: may read its own marks only
    assert one(app, "SELECT count(*) FROM cmms.notification_reads") == 0
    app.rollback()
    admin.execute("UPDATE cmms.users SET role = 'admin' WHERE id = %s", [a.actor])
    act(app, a, a.actor)
    exported = one(app, "SELECT cmms.export_user_data(%s)", [a.tech])
    app.rollback()
    marks = exported["records"]["notification_reads"]["user_id"]
    assert [m["notification_id"] for m in marks] == [str(everyone)]


def test_sending_to_another_organizations_team_is_refused_and_writes_nothing(
    admin: Conn, app: Conn, a: Tenant, b: Tenant
) -> None:
    their_team = team_of(admin, b, b.tech)
    act(app, a)
    with raises_sqlstate(app, "P0002", str(their_team)):
        app.execute("SELECT cmms.notify_team(%s, 'Hello')", [their_team])
    sent = (
        "SELECT count(*) FROM cmms.notifications WHERE team_id IS NOT NULL AND organization_id = %s"
    )
    assert one(admin, sent, [a.org]) == one(admin, sent, [b.org]) == 0


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "sqlstate", "word"),
    [
        ("SELECT cmms.notify_team(NULL, 'x')", "22004", "team_id"),
        ("SELECT cmms.notify_organization('  ')", "23514", "title"),
        ("SELECT cmms.notify_organization('x', notification_type => 'party')", "23514", "type"),
        ("SELECT cmms.mark_notifications_read('{}')", "22023", "ids"),
        ("SELECT * FROM cmms.my_notifications(max_count => 0)", "22023", "max_count"),
    ],
)
def test_bad_arguments_are_refused(
    app: Conn, a: Tenant, call: str, sqlstate: str, word: str
) -> None:
    act(app, a)
    with raises_sqlstate(app, sqlstate, word):
        app.execute(call)


@pytest.mark.parametrize(
    "call",
    [
        "SELECT cmms.notify_organization('x')",
        "SELECT * FROM cmms.my_notifications()",
        "SELECT cmms.mark_notifications_read(ARRAY[gen_random_uuid()])",
    ],
)
def test_without_a_context_nothing_is_sent_or_listed(app: Conn, call: str) -> None:
    with raises_sqlstate(app, "42501", "context"):
        app.execute(call)


def test_listing_and_marking_need_a_user_of_the_organization(
    app: Conn, a: Tenant, b: Tenant
) -> None:
    for reader in (None, b.tech):  # a system job; a user of another organization
        app.execute("SELECT cmms.set_context(%s, %s)", [a.org, reader])
        with raises_sqlstate(app, "42501", "no user"):
            app.execute("SELECT * FROM cmms.my_notifications()")


def test_two_sessions_marking_the_same_notification_at_once_write_one_mark(
    admin: Conn, app: Conn, app_login: str, a: Tenant
) -> None:
    everyone = send_to_organization(app, a, "Everyone")
    start = threading.Barrier(2)
    marked: list[int] = []
    failures: list[BaseException] = []

    def mark_it() -> None:
        try:
            with psycopg.connect(app_login) as conn, conn.transaction():
                act(conn, a, a.tech)
                start.wait()
                marked.append(one(conn, "SELECT cmms.mark_notifications_read(%s)", [[everyone]]))
        except BaseException as failure:
            failures.append(failure)

    threads = [threading.Thread(target=mark_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(marked) == [0, 1]
    assert one(admin, READS_OF, [a.org]) == 1
