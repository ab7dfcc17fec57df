"""cmms.consume_part and cmms.receive_purchase_order (migrations 0070, 0071), called as a
cmms_app login under row-level security: stock, usage, ledger and notifications as they are
left in the database, the errors (by SQLSTATE), another tenant's ids, and concurrent callers."""

from __future__ import annotations

import random
import threading
import uuid
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from tests.rows import insert, make_row, new_org

Conn = psycopg.Connection[Any]

CONSUME = "SELECT * FROM cmms.consume_part(%s, %s, %s)"
RECEIVE = "SELECT * FROM cmms.receive_purchase_order(%s)"


def one(conn: Conn, query: str, params: list[Any] | None = None) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0] if len(row) == 1 else row


def stock(admin: Conn, part: uuid.UUID) -> Decimal:
    return one(admin, "SELECT quantity_on_hand FROM cmms.parts_inventory WHERE id = %s", [part])  # type: ignore[no-any-return]


def user(admin: Conn, org: uuid.UUID, role: str, status: str = "active") -> uuid.UUID:
    return insert(
        admin,
        "users",
        {
            "organization_id": org,
            "email": f"{uuid.uuid4().hex[:10]}@example.com",
            "full_name": f"A {role}",
            "role": role,
            "status": status,
        },
    )


def part(
    admin: Conn, org: uuid.UUID, on_hand: Any = 0, reorder_point: Any = 0, **more: Any
) -> uuid.UUID:
    return insert(
        admin,
        "parts_inventory",
        {
            "organization_id": org,
            "part_number": f"P-{uuid.uuid4().hex[:6]}",
            "name": "Bearing 6204",
            "quantity_on_hand": on_hand,
            "reorder_point": reorder_point,
            **more,
        },
    )


def work_order(admin: Conn, org: uuid.UUID, status: str = "open") -> uuid.UUID:
    return insert(
        admin,
        "work_orders",
        {
            "organization_id": org,
            "title": "Replace the bearing",
            "status": status,
            "completed_at": None
            if status in ("open", "in_progress", "on_hold", "cancelled")
            else "now",
        },
    )


def call(
    app: Conn, org: uuid.UUID, actor: uuid.UUID | None, query: str, params: list[Any]
) -> list[Any]:
    """Run one function call in its own transaction, in the tenant context (org, actor)."""
    with app.transaction():
        app.execute("SELECT cmms.set_context(%s, %s)", [org, actor])
        return app.execute(query, params).fetchall()


def sqlstate_of(
    app: Conn, org: uuid.UUID | None, query: str, params: list[Any] | None = None
) -> str | None:
    """The SQLSTATE a call fails with (its transaction rolled back)."""
    try:
        with app.transaction():
            if org is not None:
                app.execute("SELECT cmms.set_context(%s, NULL)", [org])
            app.execute(query, params)
    except psycopg.Error as exc:
        return exc.sqlstate
    return None


# consume_part ---------------------------------------------------------------------------


def test_consuming_decrements_stock_and_records_the_use_and_the_ledger_entry(
    admin: Conn, app: Conn
) -> None:
    org = new_org(admin)
    tech = user(admin, org, "technician")
    wo = work_order(admin, org)
    bearing = part(admin, org, on_hand=10, unit_cost=Decimal("4.50"))

    (entry,) = call(app, org, tech, CONSUME, [wo, bearing, Decimal("2.5")])

    assert stock(admin, bearing) == Decimal("7.5")
    ledger = admin.execute(
        "SELECT id, transaction_type, quantity, balance_after, unit_cost, work_order_id,"
        " performed_by_user_id, created_by FROM cmms.part_transactions WHERE part_id = %s",
        [bearing],
    ).fetchall()
    assert ledger == [
        (entry[1], "issue", Decimal("-2.500"), Decimal("7.500"), Decimal("4.50"), wo, tech, tech)
    ]
    used = admin.execute(
        "SELECT work_order_id, quantity, unit_cost, total_cost, used_by_user_id"
        " FROM cmms.work_order_parts_used WHERE part_id = %s",
        [bearing],
    ).fetchall()
    assert used == [(wo, Decimal("2.500"), Decimal("4.50"), Decimal("11.25"), tech)]


def test_a_context_user_who_is_not_a_user_of_the_organization_is_recorded_as_nobody(
    admin: Conn, app: Conn
) -> None:
    org = new_org(admin)
    wo, bearing = work_order(admin, org), part(admin, org, on_hand=3)
    call(app, org, uuid.uuid4(), CONSUME, [wo, bearing, 1])
    assert (
        one(
            admin,
            "SELECT used_by_user_id FROM cmms.work_order_parts_used WHERE part_id = %s",
            [bearing],
        )
        is None
    )
    assert stock(admin, bearing) == 2


def test_consuming_down_to_exactly_zero_is_allowed_and_beyond_is_refused_with_cm101(
    admin: Conn, app: Conn
) -> None:
    org = new_org(admin)
    wo, bearing = work_order(admin, org), part(admin, org, on_hand=3)
    with pytest.raises(psycopg.Error, match="insufficient stock") as refused:
        call(app, org, None, CONSUME, [wo, bearing, Decimal("3.001")])
    assert refused.value.sqlstate == "CM101"
    assert stock(admin, bearing) == 3
    assert (
        one(admin, "SELECT count(*) FROM cmms.part_transactions WHERE part_id = %s", [bearing]) == 0
    )
    assert (
        one(admin, "SELECT count(*) FROM cmms.work_order_parts_used WHERE part_id = %s", [bearing])
        == 0
    )

    call(app, org, None, CONSUME, [wo, bearing, 3])
    assert stock(admin, bearing) == 0
    assert sqlstate_of(app, org, CONSUME, [wo, bearing, Decimal("0.001")]) == "CM101"


def test_crossing_the_reorder_point_notifies_active_admins_and_managers_once(
    admin: Conn, app: Conn
) -> None:
    org = new_org(admin)
    boss, manager = user(admin, org, "admin"), user(admin, org, "manager")
    tech = user(admin, org, "technician")
    user(admin, org, "manager", status="disabled")
    wo = work_order(admin, org)
    bearing = part(admin, org, on_hand=10, reorder_point=5)
    notes = (
        "SELECT user_id, notification_type, entity_type, entity_id, title FROM cmms.notifications"
        " WHERE organization_id = %s AND notification_type = 'part_below_reorder_point'"
    )

    call(app, org, tech, CONSUME, [wo, bearing, 4])  # 10 -> 6: above the point
    assert admin.execute(notes, [org]).fetchall() == []
    call(app, org, tech, CONSUME, [wo, bearing, 1])  # 6 -> 5: at the point, crossed
    sent = admin.execute(notes, [org]).fetchall()
    assert sorted(r[0] for r in sent) == sorted([boss, manager])
    assert {r[1:4] for r in sent} == {("part_below_reorder_point", "part", bearing)}
    assert all(r[4].startswith("Reorder P-") and r[4].endswith(": 5 each left") for r in sent)
    call(app, org, tech, CONSUME, [wo, bearing, 2])  # 5 -> 3: still below, no repeat
    assert len(admin.execute(notes, [org]).fetchall()) == 2


def test_without_admin_or_manager_the_acting_user_is_notified(admin: Conn, app: Conn) -> None:
    org = new_org(admin)
    tech = user(admin, org, "technician")
    wo, bearing = work_order(admin, org), part(admin, org, on_hand=2)
    call(app, org, tech, CONSUME, [wo, bearing, 2])  # 0 is the (default) reorder point
    assert admin.execute(
        "SELECT user_id, notification_type FROM cmms.notifications WHERE organization_id = %s",
        [org],
    ).fetchall() == [(tech, "part_below_reorder_point")]


@pytest.mark.parametrize("quantity", [Decimal(0), Decimal(-1), None, Decimal("1.0001")])
def test_a_quantity_that_is_not_positive_with_three_decimals_is_refused(
    admin: Conn, app: Conn, quantity: Decimal | None
) -> None:
    org = new_org(admin)
    wo, bearing = work_order(admin, org), part(admin, org, on_hand=5)
    assert sqlstate_of(app, org, CONSUME, [wo, bearing, quantity]) == "22023"
    assert stock(admin, bearing) == 5


@pytest.mark.parametrize("status", ["closed", "cancelled"])
def test_parts_cannot_be_used_on_a_closed_or_cancelled_work_order(
    admin: Conn, app: Conn, status: str
) -> None:
    org = new_org(admin)
    wo, bearing = work_order(admin, org, status), part(admin, org, on_hand=5)
    assert sqlstate_of(app, org, CONSUME, [wo, bearing, 1]) == "55000"
    assert stock(admin, bearing) == 5


def test_unknown_or_soft_deleted_work_orders_and_parts_are_not_found(
    admin: Conn, app: Conn
) -> None:
    org = new_org(admin)
    wo, bearing = work_order(admin, org), part(admin, org, on_hand=5)
    gone_part = part(admin, org, on_hand=5, deleted_at="now")
    gone_wo = work_order(admin, org)
    admin.execute("UPDATE cmms.work_orders SET deleted_at = now() WHERE id = %s", [gone_wo])
    for params in (
        [uuid.uuid4(), bearing, 1],
        [wo, uuid.uuid4(), 1],
        [wo, gone_part, 1],
        [gone_wo, bearing, 1],
    ):
        assert sqlstate_of(app, org, CONSUME, params) == "P0002", params
    assert stock(admin, bearing) == 5
    assert stock(admin, gone_part) == 5


def test_without_tenant_context_consuming_is_refused(admin: Conn, app: Conn) -> None:
    org = new_org(admin)
    wo, bearing = work_order(admin, org), part(admin, org, on_hand=5)
    assert sqlstate_of(app, None, CONSUME, [wo, bearing, 1]) == "42501"
    assert stock(admin, bearing) == 5


def test_another_tenants_work_order_or_part_is_neither_read_nor_written(
    admin: Conn, app: Conn
) -> None:
    org, other = new_org(admin, "Alpha"), new_org(admin, "Beta")
    user(admin, other, "manager")
    wo, bearing = work_order(admin, org), part(admin, org, on_hand=5)
    their_wo, their_part = work_order(admin, other), part(admin, other, on_hand=5, reorder_point=4)
    for params in ([wo, their_part, 1], [their_wo, bearing, 1], [their_wo, their_part, 1]):
        assert sqlstate_of(app, org, CONSUME, params) == "P0002", params
    assert stock(admin, their_part) == 5
    assert stock(admin, bearing) == 5
    for table in ("part_transactions", "work_order_parts_used", "notifications"):
        query = f"SELECT count(*) FROM cmms.{table} WHERE organization_id IN (%s, %s)"
        assert one(admin, query, [org, other]) == 0, table


def test_the_read_only_role_cannot_execute_the_writing_functions(admin: Conn) -> None:
    for signature in (
        "cmms.consume_part(uuid, uuid, numeric)",
        "cmms.receive_purchase_order(uuid)",
        "cmms.generate_pm_work_orders(timestamptz)",
        "cmms.refresh_dashboard_metrics()",
    ):
        assert one(
            admin,
            "SELECT has_function_privilege('cmms_app', %s, 'EXECUTE'),"
            " has_function_privilege('cmms_readonly', %s, 'EXECUTE'),"
            " has_function_privilege('public', %s, 'EXECUTE')",
            [signature, signature, signature],
        ) == (True, False, False), signature


def test_concurrent_consumers_of_one_part_never_oversell(admin: Conn, app_login: str) -> None:
    """CONSUMERS connections consume random quantities of one part at the same moment (a
    barrier), more than the stock holds in total. The stock comes from a purchase order, so
    the ledger holds every movement from zero."""
    consumers = 24
    org = new_org(admin)
    wo = work_order(admin, org)
    bearing = part(admin, org, on_hand=0, reorder_point=10)
    manager = user(admin, org, "manager")
    order = purchase_order(admin, org, "approved")
    line(admin, org, order, 1, bearing, 60)
    with psycopg.connect(app_login) as conn:
        call(conn, org, None, RECEIVE, [order])
    assert stock(admin, bearing) == 60

    rng = random.Random(6)
    wanted = [Decimal(rng.randint(1, 8)) for _ in range(consumers)]  # about 108 in all
    outcome: list[str | None] = [None] * consumers
    barrier = threading.Barrier(consumers)

    def consume(i: int) -> None:
        with psycopg.connect(app_login) as conn:
            conn.execute("SET lock_timeout = '60s'")
            conn.commit()
            barrier.wait(30)
            try:
                call(conn, org, None, CONSUME, [wo, bearing, wanted[i]])
                outcome[i] = "ok"
            except psycopg.Error as exc:
                outcome[i] = exc.sqlstate

    threads = [threading.Thread(target=consume, args=(i,)) for i in range(consumers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(t.is_alive() for t in threads)

    assert set(outcome) <= {"ok", "CM101"}, outcome
    consumed = sum(q for q, o in zip(wanted, outcome, strict=True) if o == "ok")
    final = stock(admin, bearing)
    assert final == 60 - consumed >= 0
    assert outcome.count("CM101") > 0, "the test must ask for more than the stock holds"
    # Stock only goes down, so a refused consumer asked for more than even the final stock.
    assert all(q > final for q, o in zip(wanted, outcome, strict=True) if o == "CM101")

    ledger = admin.execute(
        "SELECT quantity, balance_after FROM cmms.part_transactions WHERE part_id = %s"
        " ORDER BY occurred_at, id",
        [bearing],
    ).fetchall()
    assert len(ledger) == 1 + outcome.count("ok")
    running = Decimal(0)
    for quantity, balance_after in ledger:
        running += quantity
        assert balance_after == running >= 0
    assert running == final
    used = one(
        admin, "SELECT sum(quantity) FROM cmms.work_order_parts_used WHERE part_id = %s", [bearing]
    )
    assert used == consumed
    # 60 > 10 >= final: the reorder point was crossed exactly once.
    assert admin.execute(
        "SELECT user_id FROM cmms.notifications WHERE organization_id = %s"
        " AND notification_type = 'part_below_reorder_point'",
        [org],
    ).fetchall() == [(manager,)]


# receive_purchase_order -----------------------------------------------------------------


def purchase_order(admin: Conn, org: uuid.UUID, status: str, currency: str = "USD") -> uuid.UUID:
    vendor = make_row(admin, "vendors", org)
    return insert(
        admin,
        "purchase_orders",
        {"organization_id": org, "vendor_id": vendor, "status": status, "currency": currency},
    )


def line(
    admin: Conn,
    org: uuid.UUID,
    order: uuid.UUID,
    number: int,
    part_id: uuid.UUID | None,
    ordered: Any,
    unit_cost: Any = None,
) -> uuid.UUID:
    return insert(
        admin,
        "purchase_order_lines",
        {
            "organization_id": org,
            "purchase_order_id": order,
            "line_number": number,
            "part_id": part_id,
            "description": f"line {number}",
            "quantity_ordered": ordered,
            "unit_cost": unit_cost,
        },
    )


def test_receiving_books_every_line_into_stock_and_the_ledger_and_closes_the_order(
    admin: Conn, app: Conn
) -> None:
    org = new_org(admin)
    clerk = user(admin, org, "manager")
    bearing = part(admin, org, on_hand=2, unit_cost=Decimal("4.00"))
    belt = part(admin, org, on_hand=0, currency="EUR", unit_cost=Decimal("9.00"))
    order = purchase_order(admin, org, "approved")
    first = line(admin, org, order, 1, bearing, 10, Decimal("4.20"))
    second = line(admin, org, order, 2, belt, Decimal("1.5"), Decimal("7.00"))
    third = line(admin, org, order, 3, bearing, 5, None)  # the same part again
    line(admin, org, order, 4, None, 1, Decimal("80.00"))  # a non-stock item (a service)

    booked = call(app, org, clerk, RECEIVE, [order])

    assert stock(admin, bearing) == 17
    assert stock(admin, belt) == Decimal("1.5")
    ledger = admin.execute(
        "SELECT purchase_order_line_id, part_id, transaction_type, quantity, balance_after,"
        " unit_cost, performed_by_user_id FROM cmms.part_transactions WHERE organization_id = %s"
        " ORDER BY occurred_at",
        [org],
    ).fetchall()
    assert ledger == [
        (first, bearing, "receipt", Decimal("10.000"), Decimal("12.000"), Decimal("4.20"), clerk),
        (second, belt, "receipt", Decimal("1.500"), Decimal("1.500"), Decimal("7.00"), clerk),
        (third, bearing, "receipt", Decimal("5.000"), Decimal("17.000"), None, clerk),
    ]
    assert [r[0] for r in booked] == [org] * 3
    assert one(
        admin,
        "SELECT status, received_at IS NOT NULL FROM cmms.purchase_orders WHERE id = %s",
        [order],
    ) == (
        "received",
        True,
    )
    assert admin.execute(
        "SELECT bool_and(quantity_received = quantity_ordered) FROM cmms.purchase_order_lines"
        " WHERE purchase_order_id = %s",
        [order],
    ).fetchall() == [(True,)]
    # The last purchase price becomes the part's cost, only in the part's own currency.
    assert one(
        admin, "SELECT unit_cost FROM cmms.parts_inventory WHERE id = %s", [bearing]
    ) == Decimal("4.20")
    assert one(
        admin, "SELECT unit_cost FROM cmms.parts_inventory WHERE id = %s", [belt]
    ) == Decimal("9.00")


def test_receiving_twice_books_nothing_the_second_time(admin: Conn, app: Conn) -> None:
    org = new_org(admin)
    bearing = part(admin, org)
    order = purchase_order(admin, org, "approved")
    line(admin, org, order, 1, bearing, 10)
    assert len(call(app, org, None, RECEIVE, [order])) == 1
    received_at = one(admin, "SELECT received_at FROM cmms.purchase_orders WHERE id = %s", [order])

    assert call(app, org, None, RECEIVE, [order]) == []
    assert stock(admin, bearing) == 10
    assert (
        one(admin, "SELECT count(*) FROM cmms.part_transactions WHERE part_id = %s", [bearing]) == 1
    )
    assert one(
        admin, "SELECT status, received_at FROM cmms.purchase_orders WHERE id = %s", [order]
    ) == (
        "received",
        received_at,
    )


def test_a_partially_received_order_gets_only_what_the_ledger_lacks(admin: Conn, app: Conn) -> None:
    org = new_org(admin)
    bearing = part(admin, org, on_hand=4)
    order = purchase_order(admin, org, "partially_received")
    first = line(admin, org, order, 1, bearing, 10)
    # 4 of the 10 were booked by an earlier delivery.
    admin.execute(
        "INSERT INTO cmms.part_transactions (organization_id, part_id, transaction_type, quantity,"
        " balance_after, purchase_order_line_id) VALUES (%s, %s, 'receipt', 4, 4, %s)",
        [org, bearing, first],
    )
    admin.execute(
        "UPDATE cmms.purchase_order_lines SET quantity_received = 4 WHERE id = %s", [first]
    )

    (entry,) = call(app, org, None, RECEIVE, [order])
    assert (entry[4], entry[5]) == (Decimal("6.000"), Decimal("10.000"))
    assert stock(admin, bearing) == 10


def test_concurrent_receipts_of_one_order_book_it_once(admin: Conn, app_login: str) -> None:
    org = new_org(admin)
    bearing = part(admin, org)
    order = purchase_order(admin, org, "approved")
    line(admin, org, order, 1, bearing, 10)
    rows: list[int] = []
    barrier = threading.Barrier(6)

    def receive() -> None:
        with psycopg.connect(app_login) as conn:
            barrier.wait(30)
            rows.append(len(call(conn, org, None, RECEIVE, [order])))

    threads = [threading.Thread(target=receive) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(rows) == [0, 0, 0, 0, 0, 1]
    assert stock(admin, bearing) == 10


@pytest.mark.parametrize("status", ["draft", "submitted", "cancelled"])
def test_an_order_that_is_not_approved_cannot_be_received(
    admin: Conn, app: Conn, status: str
) -> None:
    org = new_org(admin)
    bearing = part(admin, org)
    order = purchase_order(admin, org, status)
    line(admin, org, order, 1, bearing, 10)
    assert sqlstate_of(app, org, RECEIVE, [order]) == "55000"
    assert stock(admin, bearing) == 0
    assert one(admin, "SELECT status FROM cmms.purchase_orders WHERE id = %s", [order]) == status


def test_an_order_without_live_lines_cannot_be_received(admin: Conn, app: Conn) -> None:
    org = new_org(admin)
    order = purchase_order(admin, org, "approved")
    gone = line(admin, org, order, 1, part(admin, org), 10)
    admin.execute("UPDATE cmms.purchase_order_lines SET deleted_at = now() WHERE id = %s", [gone])
    assert sqlstate_of(app, org, RECEIVE, [order]) == "55000"


def test_unknown_soft_deleted_or_another_tenants_order_is_not_found(admin: Conn, app: Conn) -> None:
    org, other = new_org(admin, "Alpha"), new_org(admin, "Beta")
    gone = purchase_order(admin, org, "approved")
    line(admin, org, gone, 1, part(admin, org), 10)
    admin.execute("UPDATE cmms.purchase_orders SET deleted_at = now() WHERE id = %s", [gone])
    their_part = part(admin, other)
    theirs = purchase_order(admin, other, "approved")
    line(admin, other, theirs, 1, their_part, 10)
    for order in (uuid.uuid4(), gone, theirs):
        assert sqlstate_of(app, org, RECEIVE, [order]) == "P0002"
    assert stock(admin, their_part) == 0
    assert (
        one(admin, "SELECT status FROM cmms.purchase_orders WHERE id = %s", [theirs]) == "approved"
    )
    assert (
        one(
            admin,
            "SELECT count(*) FROM cmms.part_transactions WHERE organization_id IN (%s, %s)",
            [org, other],
        )
        == 0
    )


def test_without_tenant_context_receiving_is_refused(admin: Conn, app: Conn) -> None:
    org = new_org(admin)
    order = purchase_order(admin, org, "approved")
    line(admin, org, order, 1, part(admin, org), 10)
    assert sqlstate_of(app, None, RECEIVE, [order]) == "42501"
