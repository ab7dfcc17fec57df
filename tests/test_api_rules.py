"""The rules engine for work orders (0063), as a cmms_app login in a tenant context: on
work_order.created, .status_changed and .assigned, the organization's enabled rules whose
condition matches run their action in position order (notify a user or a team, set the
priority, assign a user or a team); rules are checked when written; another tenant's rules,
users and teams are never used."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.rows import insert, make_row
from tests.test_api_work_orders import (
    Tenant,
    a,
    act,
    b,
    create,
    notifications,
    one,
    raises_sqlstate,
    transition,
)

Conn = psycopg.Connection[Any]

__all__ = ["a", "b"]  # fixtures shared with test_api_work_orders


def rule(
    app: Conn,
    who: Tenant,
    event: str,
    action_type: str,
    params: dict[str, Any],
    condition: dict[str, Any] | None = None,
    **values: Any,
) -> uuid.UUID:
    """A rule written by the application (so its checks run under row-level security)."""
    act(app, who)
    created = insert(
        app,
        "rules_engine",
        {
            "organization_id": who.org,
            "name": f"{action_type} on {event}",
            "event": event,
            "condition": Jsonb(condition or {}),
            "action_type": action_type,
            "action_params": Jsonb(
                {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in params.items()}
            ),
        }
        | values,
    )
    app.commit()
    return created


def team_of(admin: Conn, who: Tenant, *members: uuid.UUID) -> uuid.UUID:
    team = make_row(admin, "teams", who.org)
    for member in members:
        insert(
            admin, "team_members", {"organization_id": who.org, "team_id": team, "user_id": member}
        )
    return team


def test_a_matching_rule_sets_the_priority_of_a_new_work_order(app: Conn, a: Tenant) -> None:
    rule(
        app,
        a,
        "work_order.created",
        "set_priority",
        {"priority": "urgent"},
        {"work_order_type": "corrective"},
    )
    assert create(app, a, "Pump leaks")["priority"] == "urgent"
    assert create(app, a, "Inspect pump", work_order_type="inspection")["priority"] == "medium"


@pytest.mark.parametrize(
    ("condition", "matches"),
    [
        ({}, True),
        ({"priority": "high"}, True),
        ({"priority": ["low", "high"]}, True),
        ({"priority": "high", "work_order_type": "corrective"}, True),
        ({"priority": "high", "work_order_type": "inspection"}, False),
        ({"priority": ["low", "medium"]}, False),
        ({"assignee_user_id": None}, True),
        ({"team_id": [None]}, True),
        ({"location_id": "00000000-0000-0000-0000-000000000000"}, False),
    ],
)
def test_conditions_match_field_by_field(
    admin: Conn, app: Conn, a: Tenant, condition: dict[str, Any], matches: bool
) -> None:
    rule(app, a, "work_order.created", "notify_user", {"user_id": str(a.tech)}, condition)
    created = create(app, a, priority="high")
    app.commit()
    expected = [("system", "WO-000001: notify_user on work_order.created", created["id"])]
    assert notifications(admin, a.tech) == (expected if matches else [])


def test_rules_run_in_position_order_each_seeing_the_changes_before_it(
    app: Conn, a: Tenant
) -> None:
    rule(
        app,
        a,
        "work_order.created",
        "set_priority",
        {"priority": "low"},
        {"priority": "high"},
        position=2,
    )
    rule(app, a, "work_order.created", "set_priority", {"priority": "high"}, position=1)
    rule(
        app,
        a,
        "work_order.created",
        "set_priority",
        {"priority": "urgent"},
        position=0,
        enabled=False,
    )
    deleted = rule(app, a, "work_order.created", "set_priority", {"priority": "urgent"}, position=3)
    act(app, a)
    app.execute("UPDATE cmms.rules_engine SET deleted_at = now() WHERE id = %s", [deleted])
    assert create(app, a)["priority"] == "low", "high (1), then low (2); disabled and deleted never"


def test_a_rule_assigns_and_the_assignment_runs_the_assigned_rules(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    supervisor = make_row(admin, "users", a.org)
    crew = team_of(admin, a, a.tech, supervisor)
    rule(
        app,
        a,
        "work_order.created",
        "assign_user",
        {"user_id": str(a.tech)},
        {"priority": "urgent"},
    )
    rule(
        app, a, "work_order.created", "assign_team", {"team_id": str(crew)}, {"priority": "urgent"}
    )
    rule(
        app, a, "work_order.assigned", "notify_team", {"team_id": str(crew), "title": "Urgent job"}
    )
    created = create(app, a, priority="urgent")
    app.commit()

    assert (created["assignee_user_id"], created["team_id"]) == (str(a.tech), str(crew))
    assert notifications(admin, a.tech) == [
        ("work_order_assigned", "Urgent job", created["id"]),
        ("work_order_assigned", "WO-000001 was assigned to you", created["id"]),
    ]
    assert notifications(admin, supervisor) == [
        ("work_order_assigned", "Urgent job", created["id"])
    ]


def test_status_change_rules_see_the_previous_status(admin: Conn, app: Conn, a: Tenant) -> None:
    rule(
        app,
        a,
        "work_order.status_changed",
        "notify_user",
        {"user_id": str(a.tech)},
        {"previous_status": "on_hold", "status": "in_progress"},
    )
    work_order = create(app, a)["id"]
    transition(app, a, work_order, "in_progress")
    transition(app, a, work_order, "on_hold")
    act(app, a)  # a plain update runs the rules as well
    app.execute("UPDATE cmms.work_orders SET status = 'in_progress' WHERE id = %s", [work_order])
    app.commit()
    assert [kind for kind, _, _ in notifications(admin, a.tech)] == ["work_order_status_changed"]


def test_a_rule_naming_a_user_deleted_since_is_skipped(admin: Conn, app: Conn, a: Tenant) -> None:
    leaver = make_row(admin, "users", a.org)
    rule(app, a, "work_order.created", "assign_user", {"user_id": str(leaver)})
    admin.execute("UPDATE cmms.users SET deleted_at = now() WHERE id = %s", [leaver])
    assert create(app, a)["assignee_user_id"] is None


def test_another_tenants_rules_never_run(admin: Conn, app: Conn, a: Tenant, b: Tenant) -> None:
    rule(app, b, "work_order.created", "set_priority", {"priority": "urgent"})
    rule(app, b, "work_order.created", "notify_user", {"user_id": str(b.tech)})
    assert create(app, a)["priority"] == "medium"
    app.commit()
    assert notifications(admin, b.tech) == []


@pytest.mark.parametrize(
    ("event", "action_type", "params", "condition", "words"),
    [
        ("work_order.created", "set_priority", {"priority": "asap"}, {}, ["asap"]),
        ("work_order.created", "set_priority", {}, {}, ["priority"]),
        ("work_order.created", "assign_user", {"user_id": "bob"}, {}, ["uuid"]),
        ("work_order.created", "assign_user", {"user_id": None}, {}, ["uuid"]),
        ("work_order.created", "notify_user", {"user_id": "x", "cc": "y"}, {}, ["cc"]),
        ("work_order.created", "assign_team", {"team_id": str(uuid.uuid4())}, {}, ["no live team"]),
        ("work_order.created", "set_priority", {"priority": "high"}, {"colour": "red"}, ["colour"]),
        (
            "work_order.created",
            "set_priority",
            {"priority": "high"},
            {"priority": {"in": ["high"]}},
            [],
        ),
        ("work_order.created", "set_priority", {"priority": "high"}, {"priority": [["high"]]}, []),
        (
            "part.below_reorder_point",
            "set_priority",
            {"priority": "high"},
            {},
            ["work order events"],
        ),
    ],
)
def test_a_rule_is_checked_when_written(
    app: Conn,
    a: Tenant,
    event: str,
    action_type: str,
    params: dict[str, Any],
    condition: dict[str, Any],
    words: list[str],
) -> None:
    with raises_sqlstate(app, "CM005", *words):
        rule(app, a, event, action_type, params, condition)


def test_a_rule_cannot_name_another_tenants_user_or_team(
    admin: Conn, app: Conn, a: Tenant, b: Tenant
) -> None:
    with raises_sqlstate(app, "CM005", "no live user"):
        rule(app, a, "work_order.created", "assign_user", {"user_id": str(b.tech)})
    with raises_sqlstate(app, "CM005", "no live team"):
        rule(app, a, "work_order.created", "notify_team", {"team_id": str(team_of(admin, b))})


def test_user_ids_in_a_rule_are_stored_lower_case(app: Conn, a: Tenant) -> None:
    written = rule(app, a, "work_order.created", "assign_user", {"user_id": str(a.tech).upper()})
    act(app, a)
    params = one(app, "SELECT action_params FROM cmms.rules_engine WHERE id = %s", [written])
    assert params == {"user_id": str(a.tech)}
    assert create(app, a)["assignee_user_id"] == str(a.tech)


def test_notify_rules_may_serve_other_events(app: Conn, a: Tenant) -> None:
    rule(
        app,
        a,
        "part.below_reorder_point",
        "notify_user",
        {"user_id": str(a.tech)},
        {"any": "thing"},
    )
