"""The rule events that fire outside a work order write (0150-0153, issue 16 item 3), as a
cmms_app login under row-level security: part.below_reorder_point when a part's stock
crosses to at or below its reorder point, meter.reading_recorded on each new reading (both
per statement), and work_order.overdue through cmms.fire_due_rules(), run on a schedule by
a login that bypasses row-level security, once per rule, work order and due date, even in
two sessions at once. An application login can neither run it nor write firings."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from tests.rows import insert, make_row
from tests.test_api_rules import rule, team_of
from tests.test_api_work_orders import Tenant, a, act, b, create, one, raises_sqlstate

Conn = psycopg.Connection[Any]

__all__ = ["a", "b"]  # fixtures shared with test_api_work_orders


def titled(admin: Conn, user: uuid.UUID, title: str) -> list[tuple[Any, ...]]:
    """The notifications of `user` with this title: (type, entity_type, entity_id, body)."""
    return admin.execute(
        "SELECT notification_type, entity_type, entity_id, body FROM cmms.notifications"
        " WHERE user_id = %s AND title = %s ORDER BY created_at",
        [user, title],
    ).fetchall()


# --- part.below_reorder_point ---------------------------------------------------------------


def part(admin: Conn, who: Tenant, stock: int, reorder_point: int, **values: Any) -> uuid.UUID:
    made = make_row(admin, "parts_inventory", who.org)
    admin.execute(
        "UPDATE cmms.parts_inventory SET quantity_on_hand = %s, reorder_point = %s WHERE id = %s",
        [stock, reorder_point, made],
    )
    for column, value in values.items():
        admin.execute(
            sql.SQL("UPDATE cmms.parts_inventory SET {} = %s WHERE id = %s").format(
                sql.Identifier(column)
            ),
            [value, made],
        )
    return made


def set_stock(app: Conn, who: Tenant, stock: dict[uuid.UUID, int]) -> None:
    """One UPDATE statement of the application moving the stock of these parts."""
    act(app, who)
    app.execute(
        "UPDATE cmms.parts_inventory AS p SET quantity_on_hand = s.stock"
        " FROM unnest(%s::uuid[], %s::numeric[]) AS s (id, stock) WHERE p.id = s.id",
        [list(stock), list(stock.values())],
    )
    app.commit()


def test_a_part_fires_when_its_stock_crosses_to_its_reorder_point_not_while_below(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    rule(app, a, "part.below_reorder_point", "notify_user", {"user_id": a.tech, "title": "Low"})
    filters = part(admin, a, stock=10, reorder_point=5)
    set_stock(app, a, {filters: 6})
    assert titled(admin, a.tech, "Low") == []
    set_stock(app, a, {filters: 5})
    fired = titled(admin, a.tech, "Low")
    assert [(kind, entity, ident) for kind, entity, ident, _ in fired] == [
        ("part_below_reorder_point", "part", filters)
    ]
    assert "is at 5 each" in fired[0][3]
    assert "reorder point of 5" in fired[0][3]
    set_stock(app, a, {filters: 2})
    set_stock(app, a, {filters: 0})
    assert len(titled(admin, a.tech, "Low")) == 1  # still below: no new event
    set_stock(app, a, {filters: 20})
    set_stock(app, a, {filters: 1})
    assert len(titled(admin, a.tech, "Low")) == 2  # back above, then down again


def test_raising_the_reorder_point_above_the_stock_fires(admin: Conn, app: Conn, a: Tenant) -> None:
    rule(app, a, "part.below_reorder_point", "notify_user", {"user_id": a.tech, "title": "Low"})
    belts = part(admin, a, stock=8, reorder_point=2)
    act(app, a)
    app.execute("UPDATE cmms.parts_inventory SET reorder_point = 10 WHERE id = %s", [belts])
    app.commit()
    assert len(titled(admin, a.tech, "Low")) == 1


def test_one_statement_moving_many_parts_notifies_per_part_and_matching_rule(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    team = team_of(admin, a, a.actor, a.tech)
    rule(app, a, "part.below_reorder_point", "notify_team", {"team_id": team, "title": "Team"})
    rule(
        app,
        a,
        "part.below_reorder_point",
        "notify_user",
        {"user_id": a.tech, "title": "Filters"},
        {"category": "filters"},
    )
    first = part(admin, a, 10, 5, category="filters")
    second = part(admin, a, 10, 5, category="belts")
    third = part(admin, a, 10, 5, category="filters")
    set_stock(app, a, {first: 1, second: 2, third: 9})
    for member in (a.actor, a.tech):
        assert {row[2] for row in titled(admin, member, "Team")} == {first, second}
    assert [row[2] for row in titled(admin, a.tech, "Filters")] == [first]


def test_consuming_parts_fires_the_rule_and_another_tenants_rules_never(
    admin: Conn, app: Conn, a: Tenant, b: Tenant
) -> None:
    rule(app, b, "part.below_reorder_point", "notify_user", {"user_id": b.tech, "title": "B"})
    rule(app, a, "part.below_reorder_point", "notify_user", {"user_id": a.tech, "title": "A"})
    valve = part(admin, a, 3, 2)
    work_order = create(app, a)["id"]
    app.execute("SELECT cmms.consume_part(%s, %s, 2)", [work_order, valve])
    app.commit()
    assert [row[2] for row in titled(admin, a.tech, "A")] == [valve]
    assert titled(admin, b.tech, "B") == []


def test_two_sessions_taking_the_same_part_at_once_fire_once(
    admin: Conn, app_login: str, a: Tenant
) -> None:
    with psycopg.connect(app_login) as app:
        rule(app, a, "part.below_reorder_point", "notify_user", {"user_id": a.tech, "title": "1"})
    seals = part(admin, a, stock=6, reorder_point=4)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def take_one() -> None:
        try:
            with psycopg.connect(app_login) as conn, conn.transaction():
                act(conn, a)
                start.wait()
                conn.execute(
                    "UPDATE cmms.parts_inventory SET quantity_on_hand = quantity_on_hand - 1"
                    " WHERE id = %s",
                    [seals],
                )
                time.sleep(0.2)  # hold the row while the other session waits for it
        except BaseException as failure:
            failures.append(failure)

    threads = [threading.Thread(target=take_one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert (
        one(admin, "SELECT quantity_on_hand FROM cmms.parts_inventory WHERE id = %s", [seals]) == 4
    )
    assert len(titled(admin, a.tech, "1")) == 1


# --- meter.reading_recorded -------------------------------------------------------------------


def read(app: Conn, who: Tenant, *readings: tuple[uuid.UUID, float]) -> None:
    """One INSERT statement of the application writing these (meter, value) readings (rows of
    VALUES: on Citus an INSERT ... SELECT as the application fails, docs/scale-out.md)."""
    act(app, who)
    rows = ", ".join(["(%s, %s, %s::numeric)"] * len(readings))
    app.execute(
        f"INSERT INTO cmms.meter_readings (organization_id, meter_id, value) VALUES {rows}",
        [x for meter, value in readings for x in (who.org, meter, str(value))],
    )
    app.commit()


def test_each_reading_of_a_matching_meter_notifies_once(
    admin: Conn, app: Conn, a: Tenant, b: Tenant
) -> None:
    hours, cycles = make_row(admin, "meters", a.org), make_row(admin, "meters", a.org)
    team = team_of(admin, a, a.tech)
    rule(
        app,
        a,
        "meter.reading_recorded",
        "notify_team",
        {"team_id": team, "title": "Read"},
        {"meter_id": str(hours)},
    )
    rule(app, b, "meter.reading_recorded", "notify_user", {"user_id": b.tech, "title": "Read"})
    read(app, a, (hours, 100), (hours, 120.5), (cycles, 7))
    fired = titled(admin, a.tech, "Read")
    assert [(kind, entity, ident) for kind, entity, ident, _ in fired] == [
        ("system", "meter", hours),
        ("system", "meter", hours),
    ]
    assert sorted(body.split(" read ")[1].split(" ")[0] for *_, body in fired) == ["100", "120.5"]
    assert titled(admin, b.tech, "Read") == []


def test_a_disabled_or_deleted_rule_does_not_fire(admin: Conn, app: Conn, a: Tenant) -> None:
    meter = make_row(admin, "meters", a.org)
    off = rule(app, a, "meter.reading_recorded", "notify_user", {"user_id": a.tech, "title": "X"})
    gone = rule(app, a, "meter.reading_recorded", "notify_user", {"user_id": a.tech, "title": "X"})
    admin.execute("UPDATE cmms.rules_engine SET enabled = false WHERE id = %s", [off])
    admin.execute("UPDATE cmms.rules_engine SET deleted_at = now() WHERE id = %s", [gone])
    rule(app, a, "meter.reading_recorded", "notify_user", {"user_id": a.tech, "title": "Y"})
    read(app, a, (meter, 1))
    assert titled(admin, a.tech, "X") == []
    assert len(titled(admin, a.tech, "Y")) == 1


# --- work_order.overdue: cmms.fire_due_rules() ---------------------------------------------------


def overdue(admin: Conn, app: Conn, who: Tenant, days: int = 1, **named: Any) -> uuid.UUID:
    """A work order of `who` whose due date passed `days` days ago."""
    made = uuid.UUID(create(app, who, **named)["id"])
    app.commit()
    admin.execute(
        "UPDATE cmms.work_orders SET due_at = now() - make_interval(days => %s) WHERE id = %s",
        [days, made],
    )
    return made


def fire(conn: Conn) -> int:
    return int(one(conn, "SELECT cmms.fire_due_rules()"))


def test_an_overdue_work_order_fires_each_matching_rule_once_per_due_date(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    rule(app, a, "work_order.overdue", "notify_user", {"user_id": a.tech, "title": "Late"})
    rule(
        app,
        a,
        "work_order.overdue",
        "notify_user",
        {"user_id": a.tech, "title": "Urgent late"},
        {"priority": "urgent"},
    )
    late = overdue(admin, app, a)
    future = create(app, a, due_at="2999-01-01T00:00:00Z")["id"]
    done = overdue(admin, app, a)
    admin.execute("UPDATE cmms.work_orders SET status = 'cancelled' WHERE id = %s", [done])
    assert fire(admin) == 1
    assert [(k, e, i) for k, e, i, _ in titled(admin, a.tech, "Late")] == [
        ("work_order_overdue", "work_order", late)
    ]
    assert fire(admin) == 0  # idempotent
    assert len(titled(admin, a.tech, "Late")) == 1
    assert titled(admin, a.tech, "Urgent late") == []
    assert future is not None
    due_at = one(admin, "SELECT due_at FROM cmms.work_orders WHERE id = %s", [late])
    admin.execute(  # a value, not an expression: Citus refuses a stable one in an UPDATE
        "UPDATE cmms.work_orders SET due_at = %s WHERE id = %s", [due_at - timedelta(hours=1), late]
    )
    assert fire(admin) == 1  # a new due date is a new event
    assert len(titled(admin, a.tech, "Late")) == 2
    assert (
        one(admin, "SELECT count(*) FROM cmms.rule_firings WHERE work_order_id = %s", [late]) == 2
    )


def test_overdue_rules_change_the_work_order_in_position_order(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    rule(app, a, "work_order.overdue", "set_priority", {"priority": "high"}, position=1)
    rule(app, a, "work_order.overdue", "set_priority", {"priority": "urgent"}, position=2)
    rule(app, a, "work_order.overdue", "assign_user", {"user_id": a.tech})
    late = overdue(admin, app, a)
    assert fire(admin) == 3
    assert one(
        admin,
        "SELECT (priority, assignee_user_id::text) FROM cmms.work_orders WHERE id = %s",
        [late],
    ) == ("urgent", str(a.tech))
    assigned = admin.execute(
        "SELECT count(*) FROM cmms.notifications WHERE user_id = %s AND entity_id = %s"
        " AND notification_type = 'work_order_assigned'",
        [a.tech, late],
    ).fetchone()
    assert assigned == (1,)


def test_two_sessions_firing_at_once_fire_once(
    admin: Conn, app: Conn, migrated_db: str, a: Tenant
) -> None:
    rule(app, a, "work_order.overdue", "notify_user", {"user_id": a.tech, "title": "Late"})
    overdue(admin, app, a)
    results: list[int] = []
    activity = one(admin, "SELECT coalesce(to_regclass('citus_stat_activity'), 'pg_stat_activity')")
    with psycopg.connect(migrated_db) as first:
        assert fire(first) == 1  # not committed yet

        def fire_too() -> None:
            with psycopg.connect(migrated_db, autocommit=True) as conn:
                results.append(fire(conn))

        second = threading.Thread(target=fire_too)
        second.start()
        for _ in range(100):  # the second session waits on the first's firing
            waiting = one(  # on Citus the wait is on a worker: the cluster's activity
                admin,
                f"SELECT count(*) FROM {activity}"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            if waiting:
                break
            time.sleep(0.05)
        assert waiting == 1
        first.commit()
    second.join()
    assert results == [0]
    assert len(titled(admin, a.tech, "Late")) == 1


def test_organizations_fire_their_own_rules_only(
    admin: Conn, app: Conn, a: Tenant, b: Tenant
) -> None:
    rule(app, a, "work_order.overdue", "notify_user", {"user_id": a.tech, "title": "Late"})
    overdue(admin, app, b)
    assert fire(admin) == 0
    assert titled(admin, a.tech, "Late") == []


# --- who may fire ----------------------------------------------------------------------------


@pytest.fixture
def owner_login(migrated_db: str, admin: Conn) -> Iterator[str]:
    """A login that is a member of cmms_owner but does not bypass row-level security."""
    role = f"cmms_test_owner_{uuid.uuid4().hex[:8]}"
    admin.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE cmms_owner").format(sql.Identifier(role)))
    yield make_conninfo(migrated_db, user=role)
    admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_the_application_cannot_fire_or_forge_firings(
    admin: Conn, app: Conn, a: Tenant, b: Tenant
) -> None:
    victim_rule = rule(app, b, "work_order.overdue", "notify_user", {"user_id": b.tech})
    victim_order = overdue(admin, app, b)
    act(app, b)
    with raises_sqlstate(app, "42501", "fire_due_rules"):
        app.execute("SELECT cmms.fire_due_rules()")
    act(app, b)
    with raises_sqlstate(app, "42501", "rule_firings"):
        insert(
            app,
            "rule_firings",
            {
                "organization_id": b.org,
                "rule_id": victim_rule,
                "work_order_id": victim_order,
                "due_at": "2020-01-01T00:00:00Z",
            },
        )
    assert fire(admin) == 1
    act(app, a)
    assert one(app, "SELECT count(*) FROM cmms.rule_firings") == 0  # b's firing, not a's to see
    for statement in (
        "UPDATE cmms.rule_firings SET due_at = now()",
        "DELETE FROM cmms.rule_firings",
    ):
        act(app, b)
        with raises_sqlstate(app, "42501", "rule_firings"):
            app.execute(statement)
    act(app, b)
    assert one(app, "SELECT count(*) FROM cmms.rule_firings") == 1


def test_a_login_under_row_level_security_is_refused(owner_login: str, a: Tenant) -> None:
    with (
        psycopg.connect(owner_login) as owner,
        raises_sqlstate(owner, "42501", "bypasses row-level security"),
    ):
        owner.execute("SELECT cmms.fire_due_rules()")


def test_the_event_triggers_run_once_per_statement_with_transition_tables(admin: Conn) -> None:
    """Set-based, not a row loop: one trigger call per statement, whatever its row count."""
    triggers = admin.execute(
        "SELECT tgname, tgtype & 1 = 1, tgnewtable IS NOT NULL FROM pg_trigger"
        " WHERE tgname IN ('parts_inventory_fire_rules', 'meter_readings_fire_rules')"
        " ORDER BY tgname"
    ).fetchall()
    assert triggers == [
        ("meter_readings_fire_rules", False, True),
        ("parts_inventory_fire_rules", False, True),
    ]
