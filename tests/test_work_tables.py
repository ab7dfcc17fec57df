"""The rules of the work tables (0030-0038), shown by real inserts and updates: work order
assets, work requests, maintenance logs, checklists and their items and signatures,
comments, labor entries and calendar events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg import errors

from tests.rows import make_row, new_org

Conn = psycopg.Connection[Any]

SHA = "0123456789abcdef" * 4


@pytest.fixture
def org(admin: Conn) -> uuid.UUID:
    return new_org(admin)


def one(admin: Conn, query: str, params: list[Any] | None = None) -> Any:
    row = admin.execute(query, params or []).fetchone()
    assert row is not None
    return row[0] if len(row) == 1 else row


def delete(admin: Conn, table: str, row_id: uuid.UUID) -> None:
    admin.execute(f"DELETE FROM cmms.{table} WHERE id = %s", [row_id])


# --- work order assets ----------------------------------------------------------------------


def test_an_asset_is_linked_once_per_work_order_among_live_links(
    admin: Conn, org: uuid.UUID
) -> None:
    work_order, asset = make_row(admin, "work_orders", org), make_row(admin, "assets", org)
    link = "INSERT INTO cmms.work_order_assets (organization_id, work_order_id, asset_id)"
    first = one(admin, f"{link} VALUES (%s, %s, %s) RETURNING id", [org, work_order, asset])
    with pytest.raises(errors.UniqueViolation):
        admin.execute(f"{link} VALUES (%s, %s, %s)", [org, work_order, asset])

    admin.execute("UPDATE cmms.work_order_assets SET deleted_at = now() WHERE id = %s", [first])
    admin.execute(f"{link} VALUES (%s, %s, %s)", [org, work_order, asset])

    delete(admin, "assets", asset)
    assert (
        one(admin, "SELECT count(*) FROM cmms.work_order_assets WHERE organization_id = %s", [org])
        == 0
    )


def test_deleting_a_work_order_deletes_its_asset_links(admin: Conn, org: uuid.UUID) -> None:
    link = make_row(admin, "work_order_assets", org)
    work_order = one(
        admin, "SELECT work_order_id FROM cmms.work_order_assets WHERE id = %s", [link]
    )
    delete(admin, "work_orders", work_order)
    assert one(admin, "SELECT count(*) FROM cmms.work_order_assets WHERE id = %s", [link]) == 0


# --- work requests -------------------------------------------------------------------------

REQUEST = (
    "INSERT INTO cmms.work_requests (organization_id, title, status, requester_user_id,"
    " requester_name, requester_email, rejection_reason) VALUES (%s, 'Leak', %s, %s, %s, %s, %s)"
    " RETURNING id"
)


def test_a_rejected_request_needs_a_reason(admin: Conn, org: uuid.UUID) -> None:
    for reason in (None, "", "   "):
        with pytest.raises(errors.CheckViolation, match="rejection_reason"):
            admin.execute(REQUEST, [org, "rejected", None, "Ann", None, reason])
    request = one(admin, REQUEST, [org, "rejected", None, "Ann", None, "Duplicate of WO-000012"])
    with pytest.raises(errors.CheckViolation, match="rejection_reason"):
        admin.execute(
            "UPDATE cmms.work_requests SET rejection_reason = NULL WHERE id = %s", [request]
        )
    new_request = one(admin, REQUEST, [org, "new", None, "Ann", None, None])
    with pytest.raises(errors.CheckViolation, match="rejection_reason"):
        admin.execute(
            "UPDATE cmms.work_requests SET status = 'rejected' WHERE id = %s", [new_request]
        )


def test_a_request_names_its_requester_even_after_the_account_is_deleted(
    admin: Conn, org: uuid.UUID
) -> None:
    user = make_row(admin, "users", org)
    with pytest.raises(errors.CheckViolation, match="work_requests_requester_check"):
        admin.execute(REQUEST, [org, "new", user, None, None, None])
    with pytest.raises(errors.CheckViolation, match="requester_email"):
        admin.execute(REQUEST, [org, "new", None, None, "not an email", None])
    one(admin, REQUEST, [org, "new", None, None, "guest@example.com", None])
    request = one(admin, REQUEST, [org, "new", user, "Ann Smith", None, None])

    delete(admin, "users", user)  # SET NULL (requester_user_id) must not break the rule
    assert one(
        admin,
        "SELECT requester_user_id, requester_name FROM cmms.work_requests WHERE id = %s",
        [request],
    ) == (None, "Ann Smith")


def test_only_a_converted_request_points_at_its_work_order(admin: Conn, org: uuid.UUID) -> None:
    request = one(admin, REQUEST, [org, "approved", None, "Ann", None, None])
    work_order = make_row(admin, "work_orders", org)
    convert = "UPDATE cmms.work_requests SET status = %s, work_order_id = %s WHERE id = %s"
    with pytest.raises(errors.CheckViolation, match="work_requests_work_order_check"):
        admin.execute(convert, ["approved", work_order, request])
    admin.execute(convert, ["converted", work_order, request])

    delete(admin, "work_orders", work_order)
    assert one(
        admin, "SELECT status, work_order_id FROM cmms.work_requests WHERE id = %s", [request]
    ) == ("converted", None)


def test_open_requests_are_listed_through_their_partial_index(admin: Conn, org: uuid.UUID) -> None:
    for status in ("new", "triaged", "approved"):
        admin.execute(REQUEST, [org, status, None, "Ann", None, None])
    admin.execute("SET enable_seqscan = off")
    query = (
        "SELECT id FROM cmms.work_requests WHERE organization_id = %s"
        " AND status IN ('new', 'triaged') AND deleted_at IS NULL ORDER BY created_at"
    )
    plan = "\n".join(row[0] for row in admin.execute(f"EXPLAIN {query}", [org]))
    assert "work_requests_open_idx" in plan
    assert len(admin.execute(query, [org]).fetchall()) == 2


# --- maintenance logs ----------------------------------------------------------------------

LOG = (
    "INSERT INTO cmms.maintenance_logs (organization_id, work_order_id, entry_type, from_status,"
    " to_status, message) VALUES (%s, %s, %s, %s, %s, 'x') RETURNING id"
)


@pytest.mark.parametrize(
    ("entry_type", "from_status", "to_status", "rule"),
    [
        ("status_change", "open", None, "status_change"),  # where did it go?
        ("status_change", "open", "open", "status_change"),  # not a change
        ("status_change", None, "done", "to_status"),  # not a work order status
        ("status_change", "started", "in_progress", "from_status"),
        ("note", None, "closed", "status_change"),  # only a status change carries statuses
        ("gossip", None, None, "entry_type"),
    ],
)
def test_a_log_entry_refuses_statuses_that_do_not_fit(
    admin: Conn,
    org: uuid.UUID,
    entry_type: str,
    from_status: str | None,
    to_status: str | None,
    rule: str,
) -> None:
    work_order = make_row(admin, "work_orders", org)
    with pytest.raises(errors.CheckViolation, match=f"maintenance_logs_{rule}_check"):
        admin.execute(LOG, [org, work_order, entry_type, from_status, to_status])


def test_the_log_of_a_work_order_follows_it_and_outlives_its_asset(
    admin: Conn, org: uuid.UUID
) -> None:
    work_order, asset = make_row(admin, "work_orders", org), make_row(admin, "assets", org)
    admin.execute(LOG, [org, work_order, "status_change", None, "open"])
    admin.execute(LOG, [org, work_order, "status_change", "open", "in_progress"])
    failure = one(admin, LOG, [org, work_order, "failure", None, None])
    admin.execute("UPDATE cmms.maintenance_logs SET asset_id = %s WHERE id = %s", [asset, failure])
    assert one(admin, "SELECT logged_at FROM cmms.maintenance_logs WHERE id = %s", [failure])

    delete(admin, "assets", asset)
    assert one(admin, "SELECT asset_id FROM cmms.maintenance_logs WHERE id = %s", [failure]) is None
    delete(admin, "work_orders", work_order)
    count = "SELECT count(*) FROM cmms.maintenance_logs WHERE organization_id = %s"
    assert one(admin, count, [org]) == 0


# --- checklists, items, signatures ---------------------------------------------------------

CHECKLIST = (
    "INSERT INTO cmms.checklists (organization_id, work_order_id, template_id, name)"
    " VALUES (%s, %s, %s, 'Lockout') RETURNING id"
)


def test_a_checklist_belongs_to_exactly_one_work_order_or_template(
    admin: Conn, org: uuid.UUID
) -> None:
    work_order = make_row(admin, "work_orders", org)
    template = make_row(admin, "work_order_templates", org)
    for owners in ((None, None), (work_order, template)):
        with pytest.raises(errors.CheckViolation, match="checklists_owner_check"):
            admin.execute(CHECKLIST, [org, *owners])
    on_work_order = one(admin, CHECKLIST, [org, work_order, None])
    on_template = one(admin, CHECKLIST, [org, None, template])

    complete = "UPDATE cmms.checklists SET completed_at = now() WHERE id = %s"
    admin.execute(complete, [on_work_order])
    with pytest.raises(errors.CheckViolation, match="checklists_completed_check"):
        admin.execute(complete, [on_template])

    delete(admin, "work_order_templates", template)
    delete(admin, "work_orders", work_order)
    assert one(admin, "SELECT count(*) FROM cmms.checklists WHERE organization_id = %s", [org]) == 0


ITEM = (
    "INSERT INTO cmms.checklist_items (organization_id, checklist_id, position, label, item_type,"
    " is_done, done_at, result) VALUES (%s, %s, %s, 'Check', %s, %s, %s, %s) RETURNING id"
)


@pytest.mark.parametrize(
    ("position", "item_type", "is_done", "done", "result", "rule"),
    [
        (-1, "checkbox", False, False, None, "position"),
        (0, "checkbox", True, False, None, "done"),  # done, but when?
        (0, "checkbox", False, True, None, "done"),  # a time, but not done
        (0, "pass_fail", True, True, "maybe", "pass_fail"),
        (0, "number", True, True, "twelve", "number"),
        (0, "signature", False, False, None, "item_type"),
    ],
)
def test_a_checklist_item_refuses_inconsistent_answers(
    admin: Conn,
    org: uuid.UUID,
    position: int,
    item_type: str,
    is_done: bool,
    done: bool,
    result: str | None,
    rule: str,
) -> None:
    checklist = make_row(admin, "checklists", org)
    done_at = datetime.now(UTC) if done else None
    with pytest.raises(errors.CheckViolation, match=f"checklist_items_{rule}_check"):
        admin.execute(ITEM, [org, checklist, position, item_type, is_done, done_at, result])


def test_checklist_items_take_answers_and_keep_their_places(admin: Conn, org: uuid.UUID) -> None:
    checklist = make_row(admin, "checklists", org)
    now = datetime.now(UTC)
    first = one(admin, ITEM, [org, checklist, 0, "pass_fail", True, now, "pass"])
    one(admin, ITEM, [org, checklist, 1, "number", True, now, "-12.5"])
    one(admin, ITEM, [org, checklist, 2, "pass_fail", False, None, None])  # not answered yet
    with pytest.raises(errors.UniqueViolation):
        admin.execute(ITEM, [org, checklist, 1, "checkbox", False, None, None])
    admin.execute("UPDATE cmms.checklist_items SET deleted_at = now() WHERE id = %s", [first])
    admin.execute(ITEM, [org, checklist, 0, "checkbox", False, None, None])  # the place is free

    delete(admin, "checklists", checklist)
    count = "SELECT count(*) FROM cmms.checklist_items WHERE organization_id = %s"
    assert one(admin, count, [org]) == 0


SIGNATURE = (
    "INSERT INTO cmms.checklist_signatures (organization_id, checklist_id, signed_by_user_id,"
    " signer_name, signature_sha256) VALUES (%s, %s, %s, 'Ann Smith', %s) RETURNING id"
)


def test_a_signature_is_hashed_once_per_user_and_outlives_the_user(
    admin: Conn, org: uuid.UUID
) -> None:
    checklist = make_row(admin, "checklists", org)
    ann, bob = make_row(admin, "users", org), make_row(admin, "users", org)
    for bad in (SHA.upper(), SHA[:-1], "sha256:" + SHA):
        with pytest.raises(errors.CheckViolation, match="signature_sha256"):
            admin.execute(SIGNATURE, [org, checklist, ann, bad])
    signed = one(admin, SIGNATURE, [org, checklist, ann, SHA])
    with pytest.raises(errors.UniqueViolation):
        admin.execute(SIGNATURE, [org, checklist, ann, SHA])
    one(admin, SIGNATURE, [org, checklist, bob, None])

    delete(admin, "users", ann)
    delete(admin, "users", bob)  # two signatures of erased users do not collide
    assert one(
        admin,
        "SELECT signed_by_user_id, signer_name FROM cmms.checklist_signatures WHERE id = %s",
        [signed],
    ) == (None, "Ann Smith")


# --- comments ------------------------------------------------------------------------------

COMMENT = (
    "INSERT INTO cmms.comments (organization_id, work_order_id, parent_id, body)"
    " VALUES (%s, %s, %s, %s) RETURNING id"
)


def test_a_reply_belongs_to_the_work_order_of_its_parent(admin: Conn, org: uuid.UUID) -> None:
    pump, valve = make_row(admin, "work_orders", org), make_row(admin, "work_orders", org)
    question = one(admin, COMMENT, [org, pump, None, "Which seal kit?"])
    with pytest.raises(errors.ForeignKeyViolation, match="comments_parent_fkey"):
        admin.execute(COMMENT, [org, valve, question, "The blue one."])
    one(admin, COMMENT, [org, pump, question, "The blue one."])
    with pytest.raises(errors.ForeignKeyViolation, match="comments_parent_fkey"):
        # A comment with replies cannot move to another work order without them.
        admin.execute(
            "UPDATE cmms.comments SET work_order_id = %s WHERE id = %s", [valve, question]
        )


def test_comments_form_a_tree(admin: Conn, org: uuid.UUID) -> None:
    work_order = make_row(admin, "work_orders", org)
    top = one(admin, COMMENT, [org, work_order, None, "Top"])
    reply = one(admin, COMMENT, [org, work_order, top, "Reply"])
    deeper = one(admin, COMMENT, [org, work_order, reply, "Reply to the reply"])
    move = "UPDATE cmms.comments SET parent_id = %s WHERE id = %s"
    with pytest.raises(errors.CheckViolation, match="cannot be its own ancestor"):
        admin.execute(move, [deeper, top])
    with pytest.raises(errors.CheckViolation):
        admin.execute(move, [top, top])
    admin.execute(move, [top, deeper])  # moving within the tree is fine

    delete(admin, "comments", top)
    count = "SELECT count(*) FROM cmms.comments WHERE organization_id = %s"
    assert one(admin, count, [org]) == 0

    top = one(admin, COMMENT, [org, work_order, None, "Top"])
    one(admin, COMMENT, [org, work_order, top, "Reply"])
    delete(admin, "work_orders", work_order)
    assert one(admin, count, [org]) == 0


def test_a_comment_body_is_not_blank_and_not_huge(admin: Conn, org: uuid.UUID) -> None:
    work_order = make_row(admin, "work_orders", org)
    for body in ("", "   ", "x" * 20001):
        with pytest.raises(errors.CheckViolation, match="comments_body_check"):
            admin.execute(COMMENT, [org, work_order, None, body])
    one(admin, COMMENT, [org, work_order, None, "x" * 20000])


def test_comments_are_found_by_full_text_search_through_the_gin_index(
    admin: Conn, org: uuid.UUID
) -> None:
    work_order = make_row(admin, "work_orders", org)
    for body in ("Pump makes noise", "Replaced the bearings on the motor", "Closed, all good"):
        found = one(admin, COMMENT, [org, work_order, None, body])
        if "bearings" in body:
            wanted = found
    admin.execute("SET enable_seqscan = off")
    query = (
        "SELECT id FROM cmms.comments WHERE search_vector @@ websearch_to_tsquery('english', %s)"
    )
    plan = "\n".join(row[0] for row in admin.execute(f"EXPLAIN {query}", ["bearing"]))
    assert "comments_search_vector_idx" in plan
    assert admin.execute(query, ["bearing"]).fetchall() == [(wanted,)]  # stemmed: bearings


def test_a_comment_outlives_its_author(admin: Conn, org: uuid.UUID) -> None:
    author = make_row(admin, "users", org)
    comment = make_row(admin, "comments", org)
    admin.execute("UPDATE cmms.comments SET author_user_id = %s WHERE id = %s", [author, comment])
    delete(admin, "users", author)
    assert one(admin, "SELECT author_user_id FROM cmms.comments WHERE id = %s", [comment]) is None


# --- labor entries -------------------------------------------------------------------------

LABOR = (
    "INSERT INTO cmms.labor_entries (organization_id, work_order_id, user_id, started_at,"
    " ended_at, minutes, hourly_rate, currency) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    " RETURNING id"
)


def test_labor_cost_is_computed_from_minutes_and_rate(admin: Conn, org: uuid.UUID) -> None:
    work_order, user = make_row(admin, "work_orders", org), make_row(admin, "users", org)
    start = datetime.now(UTC)
    entry = one(admin, LABOR, [org, work_order, user, start, None, 90, Decimal("40.00"), "EUR"])
    assert one(admin, "SELECT cost FROM cmms.labor_entries WHERE id = %s", [entry]) == Decimal(
        "60.00"
    )
    admin.execute(
        "UPDATE cmms.labor_entries SET minutes = 7, hourly_rate = 33.33 WHERE id = %s", [entry]
    )
    assert one(admin, "SELECT cost FROM cmms.labor_entries WHERE id = %s", [entry]) == Decimal(
        "3.89"
    )
    with pytest.raises(errors.GeneratedAlways):
        admin.execute("UPDATE cmms.labor_entries SET cost = 0 WHERE id = %s", [entry])

    delete(admin, "users", user)  # the hours and the cost remain
    assert one(admin, "SELECT user_id, cost FROM cmms.labor_entries WHERE id = %s", [entry]) == (
        None,
        Decimal("3.89"),
    )


@pytest.mark.parametrize(
    ("ends_after", "minutes", "rate", "currency", "rule"),
    [
        (timedelta(0), 30, "10", "USD", "ended_at"),  # ends when it starts
        (timedelta(hours=-1), 30, "10", "USD", "ended_at"),
        (None, 0, "10", "USD", "minutes"),
        (None, 30, "-1", "USD", "hourly_rate"),
        (None, 30, "10", "usd", "currency"),
        (None, 30, "10", "EURO", "currency"),
    ],
)
def test_a_labor_entry_refuses_impossible_values(
    admin: Conn,
    org: uuid.UUID,
    ends_after: timedelta | None,
    minutes: int,
    rate: str,
    currency: str,
    rule: str,
) -> None:
    work_order = make_row(admin, "work_orders", org)
    start = datetime.now(UTC)
    end = None if ends_after is None else start + ends_after
    with pytest.raises(errors.CheckViolation, match=f"labor_entries_{rule}_check"):
        admin.execute(LABOR, [org, work_order, None, start, end, minutes, Decimal(rate), currency])


# --- calendar events -----------------------------------------------------------------------

EVENT = (
    "INSERT INTO cmms.calendar_events (organization_id, title, starts_at, ends_at,"
    " recurrence_rule, time_zone) VALUES (%s, 'Shutdown', %s, %s, %s, %s) RETURNING id"
)


@pytest.mark.parametrize(
    ("duration", "rule", "zone", "refused_by"),
    [
        (timedelta(hours=-1), None, "UTC", "ends_at"),
        (timedelta(hours=1), "RRULE:FREQ=WEEKLY", "UTC", "recurrence_rule"),
        (timedelta(hours=1), "FREQ=FORTNIGHTLY", "UTC", "recurrence_rule"),
        (timedelta(hours=1), "FREQ=WEEKLY;BYDAY", "UTC", "recurrence_rule"),
        (timedelta(hours=1), "FREQ=WEEKLY;;BYDAY=MO", "UTC", "recurrence_rule"),
        (timedelta(hours=1), None, "Europe Paris", "time_zone"),
        (timedelta(hours=1), None, "", "time_zone"),
    ],
)
def test_a_calendar_event_refuses_bad_times_rules_and_zones(
    admin: Conn, org: uuid.UUID, duration: timedelta, rule: str | None, zone: str, refused_by: str
) -> None:
    start = datetime.now(UTC)
    with pytest.raises(errors.CheckViolation, match=f"calendar_events_{refused_by}_check"):
        admin.execute(EVENT, [org, start, start + duration, rule, zone])


def test_a_calendar_event_recurs_and_outlives_what_it_refers_to(
    admin: Conn, org: uuid.UUID
) -> None:
    start = datetime.now(UTC)
    one(admin, EVENT, [org, start, start, None, "UTC"])  # an instant
    one(admin, EVENT, [org, start, start, "FREQ=DAILY", "America/Argentina/Buenos_Aires"])
    event = one(
        admin,
        EVENT,
        [
            org,
            start,
            start + timedelta(hours=4),
            "FREQ=WEEKLY;BYDAY=MO;UNTIL=20301231T000000Z",
            "Etc/GMT+5",
        ],
    )
    refs = {
        "location_id": make_row(admin, "locations", org),
        "work_order_id": make_row(admin, "work_orders", org),
        "team_id": make_row(admin, "teams", org),
        "user_id": make_row(admin, "users", org),
    }
    admin.execute(
        "UPDATE cmms.calendar_events SET location_id = %s, work_order_id = %s, team_id = %s,"
        " user_id = %s WHERE id = %s",
        [*refs.values(), event],
    )
    for column, row_id in refs.items():
        delete(admin, column.removesuffix("_id") + "s", row_id)
    assert one(
        admin,
        "SELECT location_id, work_order_id, team_id, user_id, title FROM cmms.calendar_events"
        " WHERE id = %s",
        [event],
    ) == (None, None, None, None, "Shutdown")
