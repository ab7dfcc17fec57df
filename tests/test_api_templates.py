"""Work order templates instantiated (0142-0145, issue 16 item 1), as a cmms_app login under
row-level security: cmms.create_work_order(template_id => ...) and
cmms.generate_pm_work_orders fill what the caller left out from the template, copy its
checklists (items and signature requirement) as the work order's own and reserve its parts;
a template of another organization is refused, and the old call signatures still work."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import psycopg

from tests.rows import insert, make_row
from tests.test_api_maintenance import AS_OF, DAY, calendar_schedule, generate
from tests.test_api_maintenance import template as make_template
from tests.test_api_work_orders import Tenant, a, b, create, raises_sqlstate

Conn = psycopg.Connection[Any]

__all__ = ["a", "b"]  # fixtures


def template_with_checklist_and_parts(admin: Conn, org: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    """A template with one signed checklist of two items (and a deleted one) and one part."""
    template = make_template(admin, org)
    checklist = insert(
        admin,
        "checklists",
        {
            "organization_id": org,
            "template_id": template,
            "name": "Lockout",
            "requires_signature": True,
        },
    )
    for position, (label, item_type) in enumerate(
        [("Isolate power", "checkbox"), ("Seal", "pass_fail")]
    ):
        insert(
            admin,
            "checklist_items",
            {
                "organization_id": org,
                "checklist_id": checklist,
                "position": position,
                "label": label,
                "item_type": item_type,
            },
        )
    insert(
        admin,
        "checklists",
        {"organization_id": org, "template_id": template, "name": "Old", "deleted_at": AS_OF},
    )
    part = make_row(admin, "parts_inventory", org)
    insert(
        admin,
        "work_order_template_parts",
        {"organization_id": org, "template_id": template, "part_id": part, "quantity": 2},
    )
    return template, part


def copies(admin: Conn, work_order: Any) -> tuple[list[Any], list[Any], list[Any]]:
    checklists = admin.execute(
        "SELECT name, requires_signature, template_id FROM cmms.checklists"
        " WHERE work_order_id = %s",
        [work_order],
    ).fetchall()
    items = admin.execute(
        "SELECT i.position, i.label, i.item_type, i.is_done FROM cmms.checklist_items i"
        " JOIN cmms.checklists c ON c.organization_id = i.organization_id AND c.id = i.checklist_id"
        " WHERE c.work_order_id = %s ORDER BY i.position",
        [work_order],
    ).fetchall()
    reserved = admin.execute(
        "SELECT part_id, quantity, released_at FROM cmms.part_reservations"
        " WHERE work_order_id = %s",
        [work_order],
    ).fetchall()
    return checklists, items, reserved


def test_a_work_order_from_a_template_takes_its_fields_checklists_and_parts(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    template, part = template_with_checklist_and_parts(admin, a.org)

    row = create(app, a, None, template_id=template)  # type: ignore[arg-type]
    app.commit()

    assert (row["title"], row["priority"], row["work_order_type"]) == (
        "Quarterly pump service",
        "high",
        "preventive",
    )
    assert row["description"] == "Check the seals.\n\n1. Isolate. 2. Inspect."
    assert (row["estimated_duration_minutes"], row["template_id"]) == (90, str(template))
    checklists, items, reserved = copies(admin, row["id"])
    assert checklists == [("Lockout", True, None)]
    assert items == [(0, "Isolate power", "checkbox", False), (1, "Seal", "pass_fail", False)]
    assert reserved == [(part, Decimal("2.000"), None)]


def test_what_the_caller_gives_wins_over_the_template(admin: Conn, app: Conn, a: Tenant) -> None:
    template, _ = template_with_checklist_and_parts(admin, a.org)

    row = create(
        app,
        a,
        "Pump 3 leaks",
        priority="urgent",
        work_order_type="corrective",
        estimated_duration_minutes=30,
        template_id=template,
    )

    assert (row["title"], row["priority"], row["work_order_type"]) == (
        "Pump 3 leaks",
        "urgent",
        "corrective",
    )
    assert row["estimated_duration_minutes"] == 30


def test_without_a_template_the_old_calls_and_defaults_still_work(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    row = create(app, a, "Pump leaks")
    assert (row["priority"], row["work_order_type"], row["template_id"]) == (
        "medium",
        "corrective",
        None,
    )
    app.execute("SELECT cmms.set_context(%s, %s)", [a.org, a.actor])
    positional = app.execute(
        "SELECT (cmms.create_work_order('Belt', 'Worn', 'low', 'inspection', NULL, NULL, NULL,"
        " NULL, '{}', '{}', NULL)).priority"
    ).fetchone()
    assert positional == ("low",)
    assert copies(admin, row["id"]) == ([], [], [])


def test_a_template_of_another_organization_is_refused(
    admin: Conn, app: Conn, a: Tenant, b: Tenant
) -> None:
    theirs, _ = template_with_checklist_and_parts(admin, b.org)
    deleted = make_template(admin, a.org, deleted_at=AS_OF)

    for template in (theirs, deleted, uuid.uuid4()):
        with raises_sqlstate(app, "23503", "no work order template", str(template)):
            create(app, a, "Pump leaks", template_id=template)
    app.execute("SELECT cmms.set_context(%s, %s)", [a.org, a.actor])
    wo = create(app, a, "Mine")["id"]
    with raises_sqlstate(app, "23503", "no work order template"):
        app.execute("SELECT cmms.apply_work_order_template(%s, %s)", [wo, theirs])
    (count,) = admin.execute(
        "SELECT count(*) FROM cmms.checklists"
        " WHERE organization_id = %s AND work_order_id IS NOT NULL",
        [b.org],
    ).fetchone() or (None,)
    assert count == 0


def test_a_template_without_a_title_and_no_title_given_is_refused(app: Conn, a: Tenant) -> None:
    with raises_sqlstate(app, "23502", "title"):
        create(app, a, None)  # type: ignore[arg-type]


def test_preventive_maintenance_work_orders_get_the_templates_checklists_and_parts(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    template, part = template_with_checklist_and_parts(admin, a.org)
    schedule = calendar_schedule(admin, a.org, AS_OF - DAY, template_id=template)

    assert generate(app, a.org) == 1
    assert generate(app, a.org) == 0

    (work_order,) = admin.execute(
        "SELECT id FROM cmms.work_orders WHERE pm_schedule_id = %s", [schedule]
    ).fetchone() or (None,)
    checklists, items, reserved = copies(admin, work_order)
    assert checklists == [("Lockout", True, None)]
    assert [label for _, label, _, _ in items] == ["Isolate power", "Seal"]
    assert reserved == [(part, Decimal("2.000"), None)]
