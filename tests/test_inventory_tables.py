"""Inventory and purchasing (vendors, contractors, parts_inventory, purchase_orders,
purchase_order_lines, part_transactions): the rules their constraints and triggers enforce,
by real inserts and updates that must succeed or fail."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest
from psycopg import errors

from tests.rows import make_row, new_org

Conn = psycopg.Connection[Any]

NEW_ORDER = (
    "INSERT INTO cmms.purchase_orders (organization_id, vendor_id, number)"
    " VALUES (%s, %s, %s) RETURNING number, reference"
)


def one(conn: Conn, query: str, params: list[Any]) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0] if len(row) == 1 else row


def wait_for_advisory_lock_wait(admin: Conn, pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = one(
            admin,
            "SELECT count(*) FROM pg_locks"
            " WHERE pid = %s AND locktype = 'advisory' AND NOT granted",
            [pid],
        )
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError(f"backend {pid} never waited for the numbering lock")


def test_concurrent_creators_of_one_organization_get_distinct_consecutive_numbers(
    admin: Conn, app_login: str
) -> None:
    org, other_org = new_org(admin, "Alpha"), new_org(admin, "Beta")
    vendor = make_row(admin, "vendors", org)
    other_vendor = make_row(admin, "vendors", other_org)
    results: dict[str, Any] = {}

    def create_second(conn: Conn) -> None:
        try:
            conn.execute("SELECT cmms.set_context(%s, NULL)", [org])
            results["second"] = one(conn, NEW_ORDER, [org, vendor, None])
            conn.commit()
        except Exception as exc:  # reported by the main thread
            results["error"] = exc

    with psycopg.connect(app_login) as first, psycopg.connect(app_login) as second:
        second.execute("SET lock_timeout = '20s'")
        second.commit()
        first.execute("SELECT cmms.set_context(%s, NULL)", [org])
        results["first"] = one(first, NEW_ORDER, [org, vendor, None])  # holds the lock
        thread = threading.Thread(target=create_second, args=(second,))
        thread.start()
        try:
            wait_for_advisory_lock_wait(admin, second.info.backend_pid)
            # Another organization's creator does not wait for this one.
            admin.execute("SET lock_timeout = '2s'")
            assert one(admin, NEW_ORDER, [other_org, other_vendor, None]) == (1, "PO-000001")
        finally:
            first.commit()
            thread.join(30)
    assert not thread.is_alive()
    assert "error" not in results, results["error"]
    assert (results["first"], results["second"]) == ((1, "PO-000001"), (2, "PO-000002"))


def test_numbers_continue_per_organization_and_are_never_reused(admin: Conn) -> None:
    org = new_org(admin, "Alpha")
    vendor = make_row(admin, "vendors", org)
    assert one(admin, NEW_ORDER, [org, vendor, None]) == (1, "PO-000001")
    assert one(admin, NEW_ORDER, [org, vendor, 999999]) == (999999, "PO-999999")
    newest = one(
        admin,
        "INSERT INTO cmms.purchase_orders (organization_id, vendor_id) VALUES (%s, %s)"
        " RETURNING id, reference",
        [org, vendor],
    )
    assert newest[1] == "PO-1000000", "a seventh digit widens the reference, never truncates"
    admin.execute("UPDATE cmms.purchase_orders SET deleted_at = now() WHERE id = %s", [newest[0]])
    assert one(admin, NEW_ORDER, [org, vendor, None]) == (1000001, "PO-1000001")
    with pytest.raises(errors.UniqueViolation):
        admin.execute(NEW_ORDER, [org, vendor, 1000000])  # the soft-deleted order's number
    with pytest.raises(errors.CheckViolation):
        admin.execute(NEW_ORDER, [org, vendor, 0])


def test_stock_cannot_go_negative(admin: Conn) -> None:
    org = new_org(admin, "Alpha")
    part = make_row(admin, "parts_inventory", org)
    take = "UPDATE cmms.parts_inventory SET quantity_on_hand = quantity_on_hand + %s WHERE id = %s"
    admin.execute(take, [2.5, part])
    admin.execute(take, [-2.5, part])  # down to exactly 0 is allowed
    with pytest.raises(errors.CheckViolation, match="parts_inventory_quantity_on_hand_check"):
        admin.execute(take, [-0.001, part])
    assert (
        float(one(admin, "SELECT quantity_on_hand FROM cmms.parts_inventory WHERE id = %s", [part]))
        == 0
    )


def test_quantity_received_cannot_exceed_quantity_ordered(admin: Conn) -> None:
    org = new_org(admin, "Alpha")
    line = make_row(admin, "purchase_order_lines", org)
    receive = "UPDATE cmms.purchase_order_lines SET quantity_ordered = 4, quantity_received = %s"
    admin.execute(receive + " WHERE id = %s", [1.5, line])  # a partial receipt
    admin.execute(receive + " WHERE id = %s", [4, line])
    for received in (4.001, -1):
        with pytest.raises(
            errors.CheckViolation, match="purchase_order_lines_quantity_received_check"
        ):
            admin.execute(receive + " WHERE id = %s", [received, line])
    with pytest.raises(errors.CheckViolation, match="purchase_order_lines_quantity_ordered_check"):
        admin.execute(
            "UPDATE cmms.purchase_order_lines SET quantity_ordered = 0, quantity_received = 0"
            " WHERE id = %s",
            [line],
        )


def test_a_line_cannot_reference_another_organizations_part(admin: Conn) -> None:
    org, other_org = new_org(admin, "Alpha"), new_org(admin, "Beta")
    order = make_row(admin, "purchase_orders", org)
    own_part = make_row(admin, "parts_inventory", org)
    foreign_part = make_row(admin, "parts_inventory", other_org)
    add_line = (
        "INSERT INTO cmms.purchase_order_lines (organization_id, purchase_order_id, line_number,"
        " part_id, description, quantity_ordered) VALUES (%s, %s, %s, %s, 'Filter', 2)"
    )
    admin.execute(add_line, [org, order, 1, own_part])
    admin.execute(add_line, [org, order, 2, None])  # a non-stock item
    with pytest.raises(errors.ForeignKeyViolation, match="purchase_order_lines_part_fkey"):
        admin.execute(add_line, [org, order, 3, foreign_part])
    with pytest.raises(errors.UniqueViolation):
        admin.execute(add_line, [org, order, 1, None])  # line numbers are unique per order


def test_part_numbers_are_unique_per_location_case_insensitively_even_without_one(
    admin: Conn,
) -> None:
    org = new_org(admin, "Alpha")
    store = make_row(admin, "locations", org)
    add_part = (
        "INSERT INTO cmms.parts_inventory (organization_id, part_number, name, location_id)"
        " VALUES (%s, %s, 'V-belt', %s) RETURNING id"
    )
    unplaced = one(admin, add_part, [org, "VB-100", None])
    with pytest.raises(errors.UniqueViolation):
        admin.execute(add_part, [org, "vb-100", None])
    one(admin, add_part, [org, "vb-100", store])  # the same part stocked at another location
    with pytest.raises(errors.UniqueViolation):
        admin.execute(add_part, [org, "VB-100", store])
    admin.execute("UPDATE cmms.parts_inventory SET deleted_at = now() WHERE id = %s", [unplaced])
    one(admin, add_part, [org, "VB-100", None])  # free again once the old row is deleted


def test_deleting_a_vendor_clears_references_to_it_and_deletes_its_orders(admin: Conn) -> None:
    org = new_org(admin, "Alpha")
    vendor = make_row(admin, "vendors", org)
    contractor = make_row(admin, "contractors", org)
    admin.execute("UPDATE cmms.contractors SET vendor_id = %s WHERE id = %s", [vendor, contractor])
    part = make_row(admin, "parts_inventory", org)
    admin.execute(
        "UPDATE cmms.parts_inventory SET preferred_vendor_id = %s WHERE id = %s", [vendor, part]
    )
    order = one(
        admin,
        "INSERT INTO cmms.purchase_orders (organization_id, vendor_id)"
        " VALUES (%s, %s) RETURNING id",
        [org, vendor],
    )
    line = one(
        admin,
        "INSERT INTO cmms.purchase_order_lines (organization_id, purchase_order_id, line_number,"
        " part_id, description, quantity_ordered) VALUES (%s, %s, 1, %s, 'Belt', 1) RETURNING id",
        [org, order, part],
    )

    admin.execute("DELETE FROM cmms.vendors WHERE id = %s", [vendor])

    assert one(
        admin, "SELECT organization_id, vendor_id FROM cmms.contractors WHERE id = %s", [contractor]
    ) == (org, None)
    assert one(
        admin,
        "SELECT organization_id, preferred_vendor_id FROM cmms.parts_inventory WHERE id = %s",
        [part],
    ) == (org, None)
    assert one(admin, "SELECT count(*) FROM cmms.purchase_orders WHERE id = %s", [order]) == 0
    assert one(admin, "SELECT count(*) FROM cmms.purchase_order_lines WHERE id = %s", [line]) == 0


def test_vendor_names_are_unique_case_insensitively_and_emails_plausible(admin: Conn) -> None:
    org, other_org = new_org(admin, "Alpha"), new_org(admin, "Beta")
    add_vendor = "INSERT INTO cmms.vendors (organization_id, name, email) VALUES (%s, %s, %s)"
    admin.execute(add_vendor, [org, "Acme Supply", "orders@acme.example"])
    admin.execute(add_vendor, [other_org, "ACME SUPPLY", None])
    with pytest.raises(errors.UniqueViolation):
        admin.execute(add_vendor, [org, "acme supply", None])
    for email in ("@acme.example", "orders.acme.example"):
        with pytest.raises(errors.CheckViolation, match="vendors_email_check"):
            admin.execute(add_vendor, [org, f"Other {email}", email])


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [("receipt", 5, -5), ("return", 1, -1), ("issue", -2, 2), ("transfer_out", -1, 1)],
)
def test_a_stock_movement_has_the_sign_of_its_type(
    admin: Conn, kind: str, good: int, bad: int
) -> None:
    org = new_org(admin, "Ledger")
    part = make_row(admin, "parts_inventory", org)
    insert = (
        "INSERT INTO cmms.part_transactions (organization_id, part_id, transaction_type,"
        " quantity, balance_after) VALUES (%s, %s, %s, %s, 10)"
    )
    admin.execute(insert, [org, part, kind, good])
    with pytest.raises(errors.CheckViolation, match="part_transactions_quantity_check"):
        admin.execute(insert, [org, part, kind, bad])
    with pytest.raises(errors.CheckViolation, match="part_transactions_quantity_check"):
        admin.execute(insert, [org, part, "adjustment", 0])


def test_the_application_appends_to_the_stock_ledger_but_never_rewrites_it(
    admin: Conn, app_login: str
) -> None:
    org = new_org(admin, "Ledger")
    movement = make_row(admin, "part_transactions", org)
    with psycopg.connect(app_login) as app:
        app.execute("SELECT cmms.set_context(%s, NULL)", [org])
        assert one(app, "SELECT count(*) FROM cmms.part_transactions", []) == 1
        for change in (
            "UPDATE cmms.part_transactions SET quantity = 99 WHERE id = %s",
            "DELETE FROM cmms.part_transactions WHERE id = %s",
        ):
            with pytest.raises(errors.InsufficientPrivilege):
                app.execute(change, [movement])
            app.rollback()
            app.execute("SELECT cmms.set_context(%s, NULL)", [org])
    assert one(admin, "SELECT quantity FROM cmms.part_transactions WHERE id = %s", [movement]) == 1
