"""Custom field values checked by the database (0062), as a cmms_app login in a tenant
context: a value fits its field's type and options and belongs to a live record of the
field's kind in the same organization; a required field has a value on every record created
after it became required (checked at commit) and keeps it."""

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
    one,
    raises_sqlstate,
    transition,
    work_order_in,
)

Conn = psycopg.Connection[Any]

__all__ = ["a", "b"]  # fixtures shared with test_api_work_orders


def field(
    admin: Conn, who: Tenant, field_type: str = "text", *, key: str = "serial", **values: Any
) -> uuid.UUID:
    return insert(
        admin,
        "custom_fields",
        {
            "organization_id": who.org,
            "entity_type": "work_order",
            "key": key,
            "label": key.title(),
            "field_type": field_type,
        }
        | values,
    )


def set_value(app: Conn, who: Tenant, field_id: Any, entity: Any, value: Any) -> None:
    act(app, who)
    app.execute(
        "INSERT INTO cmms.custom_field_values (organization_id, custom_field_id, entity_id, value)"
        " VALUES (cmms.current_org_id(), %s, %s, %s)",
        [field_id, entity, Jsonb(value)],
    )


CASES: list[tuple[str, Any, list[Any], list[Any]]] = [
    ("text", None, ["SN-1", ""], [1, True, None, ["SN-1"], {"v": "SN-1"}]),
    ("number", None, [1, -2.5, 0], ["1", True, None]),
    ("integer", None, [1, -3, 4.0], [1.5, "1", False]),
    ("boolean", None, [True, False], ["true", 0, None]),
    (
        "date",
        None,
        ["2026-11-23", "2024-02-29"],
        ["2026-02-30", "23/11/2026", "2026-11-23T10:00", 20261123],
    ),
    (
        "timestamp",
        None,
        ["2026-11-23T10:00:00Z", "2026-11-23 10:00", "2026-11-23T10:00:00.5+01:00"],
        ["2026-11-23", "2026-13-01T10:00", "tomorrow", 1700000000],
    ),
    ("select", ["low", "high"], ["low", "high"], ["medium", ["low"], None, 1]),
    (
        "select",
        [{"value": "a", "label": "A"}, {"value": 2, "label": "Two"}],
        ["a", 2],
        ["A", {"value": "a", "label": "A"}],
    ),
    ("multiselect", ["x", "y", "z"], [["x"], ["z", "x"]], [[], ["x", "x"], ["w"], "x", [["x"]]]),
]


@pytest.mark.parametrize(
    ("field_type", "options", "value", "accepted"),
    [(t, o, v, True) for t, o, good, _ in CASES for v in good]
    + [(t, o, v, False) for t, o, _, bad in CASES for v in bad],
)
def test_a_value_must_fit_its_fields_type_and_options(
    admin: Conn,
    app: Conn,
    a: Tenant,
    field_type: str,
    options: Any,
    value: Any,
    accepted: bool,
) -> None:
    serial = field(admin, a, field_type, options=None if options is None else Jsonb(options))
    work_order = make_row(admin, "work_orders", a.org)
    if accepted:
        set_value(app, a, serial, work_order, value)
        app.commit()
    else:
        with raises_sqlstate(app, "CM003", "serial", field_type):
            set_value(app, a, serial, work_order, value)


def test_an_update_is_checked_like_an_insert(admin: Conn, app: Conn, a: Tenant) -> None:
    count = field(admin, a, "integer", key="count")
    work_order = make_row(admin, "work_orders", a.org)
    set_value(app, a, count, work_order, 3)
    app.commit()
    act(app, a)
    with raises_sqlstate(app, "CM003", "count"):
        app.execute("UPDATE cmms.custom_field_values SET value = '\"three\"'")


def test_a_deleted_field_takes_no_values(admin: Conn, app: Conn, a: Tenant) -> None:
    gone = field(admin, a)
    admin.execute("UPDATE cmms.custom_fields SET deleted_at = now() WHERE id = %s", [gone])
    with raises_sqlstate(app, "CM003", "deleted"):
        set_value(app, a, gone, make_row(admin, "work_orders", a.org), "SN-1")


@pytest.mark.parametrize("record", ["of another tenant", "of another kind", "soft-deleted", "none"])
def test_a_value_belongs_to_a_live_record_of_its_fields_kind_in_the_organization(
    admin: Conn, app: Conn, a: Tenant, b: Tenant, record: str
) -> None:
    serial = field(admin, a)
    entity: Any = {
        "of another tenant": lambda: make_row(admin, "work_orders", b.org),
        "of another kind": lambda: make_row(admin, "assets", a.org),
        "soft-deleted": lambda: make_row(admin, "work_orders", a.org),
        "none": uuid.uuid4,
    }[record]()
    if record == "soft-deleted":
        admin.execute("UPDATE cmms.work_orders SET deleted_at = now() WHERE id = %s", [entity])
    with raises_sqlstate(app, "CM003", "no live work_order"):
        set_value(app, a, serial, entity, "SN-1")
    values = "SELECT count(*) FROM cmms.custom_field_values WHERE organization_id IN (%s, %s)"
    assert one(admin, values, [a.org, b.org]) == 0


def test_another_tenants_field_cannot_be_used(admin: Conn, app: Conn, a: Tenant, b: Tenant) -> None:
    theirs = field(admin, b)
    with raises_sqlstate(app, "23503"):  # the composite foreign key: no such field here
        set_value(app, a, theirs, make_row(admin, "work_orders", a.org), "SN-1")


# --- required fields -----------------------------------------------------------------------------


def test_a_work_order_is_created_with_its_required_fields_in_one_call(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    field(admin, a, key="serial", required=True)
    field(admin, a, "select", key="shift", options=Jsonb(["day", "night"]))
    created = create(app, a, custom_fields=Jsonb({"serial": "SN-7", "shift": "night"}))
    app.commit()
    values = admin.execute(
        "SELECT f.key, v.value FROM cmms.custom_field_values AS v"
        " JOIN cmms.custom_fields AS f"
        " ON f.organization_id = v.organization_id AND f.id = v.custom_field_id"
        " WHERE v.organization_id = %s AND v.entity_id = %s ORDER BY 1",
        [a.org, created["id"]],
    ).fetchall()
    assert values == [("serial", "SN-7"), ("shift", "night")]


def test_a_record_without_a_required_value_is_refused_at_commit(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    field(admin, a, key="serial", required=True)
    field(admin, a, key="note", required=False)
    create(app, a)  # no error yet: the value may come later in the transaction
    with raises_sqlstate(app, "CM004", "serial"):
        app.commit()
    assert (
        one(admin, "SELECT count(*) FROM cmms.work_orders WHERE organization_id = %s", [a.org]) == 0
    )


def test_the_required_value_may_follow_the_record_in_the_same_transaction(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    serial = field(admin, a, key="serial", required=True)
    work_order = create(app, a)["id"]
    set_value(app, a, serial, work_order, "SN-1")
    app.commit()
    assert (
        one(admin, "SELECT count(*) FROM cmms.work_orders WHERE organization_id = %s", [a.org]) == 1
    )


def test_other_kinds_of_records_have_their_required_fields_too(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    field(admin, a, key="tag_number", required=True, entity_type="asset")
    act(app, a)
    app.execute("INSERT INTO cmms.assets (organization_id, name) VALUES (%s, 'Pump')", [a.org])
    with raises_sqlstate(app, "CM004", "asset", "tag_number"):
        app.commit()


def test_a_required_value_cannot_be_removed_from_a_live_record(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    serial = field(admin, a, key="serial", required=True)
    work_order = create(app, a, custom_fields=Jsonb({"serial": "SN-1"}))["id"]
    app.commit()
    for removal in (
        "DELETE FROM cmms.custom_field_values",
        "UPDATE cmms.custom_field_values SET deleted_at = now()",
    ):
        act(app, a)
        app.execute(removal)
        with raises_sqlstate(app, "CM004", "serial"):
            app.commit()

    act(app, a)  # changing it is fine, and so is removing it with its record
    app.execute("UPDATE cmms.custom_field_values SET value = '\"SN-2\"'")
    app.commit()
    act(app, a)
    app.execute("UPDATE cmms.work_orders SET deleted_at = now() WHERE id = %s", [work_order])
    app.execute("DELETE FROM cmms.custom_field_values WHERE custom_field_id = %s", [serial])
    app.commit()


def test_a_field_made_required_later_blocks_completion_until_filled_in(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    work_order = work_order_in(app, a, "in_progress")
    serial = field(admin, a, key="serial", required=True)
    with raises_sqlstate(app, "CM002", 'required custom field "serial"'):
        transition(app, a, work_order, "completed")
    set_value(app, a, serial, work_order, "SN-1")
    assert transition(app, a, work_order, "completed")["status"] == "completed"


def test_a_work_order_generated_by_a_pm_schedule_is_checked_at_completion(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    field(admin, a, key="serial", required=True)
    schedule = make_row(admin, "pm_schedules", a.org)
    act(app, a)
    work_order = one(
        app,
        "INSERT INTO cmms.work_orders (organization_id, title, pm_schedule_id, pm_due_at)"
        " VALUES (%s, 'Monthly service', %s, now()) RETURNING id",
        [a.org, schedule],
    )
    app.commit()  # a generator cannot invent values: no check at insert
    transition(app, a, work_order, "in_progress")
    with raises_sqlstate(app, "CM002", "serial"):
        transition(app, a, work_order, "completed")
