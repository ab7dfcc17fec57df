"""The work order API (0060, 0061) as the application calls it: a cmms_app login in a tenant
context creates work orders (numbered without duplicates, even many at once) and moves them
through their statuses, only along allowed transitions, completing them only when their
checklists allow, with every change in the history and the assignee notified; another
tenant's ids are never read or written. The helpers here are shared by test_api_*.py."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from psycopg import errors

from tests.rows import insert, make_row, new_org

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class Tenant:
    """An organization with a user who acts in the app and a technician to assign work to."""

    org: uuid.UUID
    actor: uuid.UUID
    tech: uuid.UUID


def tenant(admin: Conn, name: str) -> Tenant:
    org = new_org(admin, name)
    return Tenant(org, make_row(admin, "users", org), make_row(admin, "users", org))


@pytest.fixture
def a(admin: Conn) -> Tenant:
    return tenant(admin, "Alpha")


@pytest.fixture
def b(admin: Conn) -> Tenant:
    return tenant(admin, "Beta")


def act(app: Conn, who: Tenant, user: uuid.UUID | None = None) -> None:
    """Set the tenant context of the current transaction (the acting user: who.actor)."""
    app.execute("SELECT cmms.set_context(%s, %s)", [who.org, user or who.actor])


def create(app: Conn, who: Tenant, title: str = "Pump leaks", **named: Any) -> dict[str, Any]:
    """cmms.create_work_order with named arguments, as the row (a dict)."""
    act(app, who)
    arguments = "".join(f", {name} => %({name})s" for name in named)
    cursor = app.execute(
        f"SELECT to_jsonb(w) FROM cmms.create_work_order(%(title)s{arguments}) AS w",
        {"title": title, **named},
    )
    row = cursor.fetchone()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


def transition(
    app: Conn, who: Tenant, work_order: Any, status: str, note: str | None = None
) -> dict[str, Any]:
    act(app, who)
    row = app.execute(
        "SELECT to_jsonb(w) FROM cmms.transition_work_order(%s, %s, %s) AS w",
        [work_order, status, note],
    ).fetchone()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


def one(conn: Conn, query: str, params: list[Any] | None = None) -> Any:
    row = conn.execute(query, params or []).fetchone()
    assert row is not None
    return row[0] if len(row) == 1 else row


@contextmanager
def raises_sqlstate(conn: Conn, sqlstate: str, *words: str) -> Iterator[None]:
    """The block fails with this SQLSTATE and a message naming each of `words`; the
    connection's transaction is rolled back afterwards."""
    with pytest.raises(psycopg.Error) as failure:
        yield
    conn.rollback()
    assert failure.value.sqlstate == sqlstate, str(failure.value)
    for word in words:
        assert word in str(failure.value), str(failure.value)


def history(admin: Conn, work_order: Any) -> list[tuple[Any, ...]]:
    return admin.execute(
        "SELECT from_status, to_status, message, logged_by_user_id FROM cmms.maintenance_logs"
        " WHERE work_order_id = %s AND entry_type = 'status_change' ORDER BY logged_at",
        [work_order],
    ).fetchall()


def notifications(admin: Conn, user: uuid.UUID) -> list[tuple[Any, ...]]:
    return admin.execute(
        "SELECT notification_type, title, entity_id::text FROM cmms.notifications"
        " WHERE user_id = %s ORDER BY created_at",
        [user],
    ).fetchall()


# --- cmms.create_work_order --------------------------------------------------------------------


def test_a_new_work_order_is_open_with_the_next_number_of_its_organization(
    admin: Conn, app: Conn, a: Tenant, b: Tenant
) -> None:
    first = create(app, a, "Pump leaks", priority="high", description="Seal worn")
    second = create(app, a, "Fan noisy")
    in_b = create(app, b, "Door stuck")
    app.commit()

    assert (first["number"], first["reference"], second["reference"]) == (
        1,
        "WO-000001",
        "WO-000002",
    )
    assert in_b["number"] == 1, "numbers count per organization"
    assert (first["status"], first["priority"], first["description"]) == (
        "open",
        "high",
        "Seal worn",
    )
    assert first["requester_user_id"] == str(a.actor), "the requester is the acting user"
    assert history(admin, first["id"]) == [(None, "open", None, a.actor)]


def test_a_new_work_order_links_its_assets(admin: Conn, app: Conn, a: Tenant) -> None:
    pump, motor = make_row(admin, "assets", a.org), make_row(admin, "assets", a.org)
    created = create(app, a, asset_ids=[pump, motor, pump])
    app.commit()
    linked = admin.execute(
        "SELECT asset_id FROM cmms.work_order_assets WHERE work_order_id = %s", [created["id"]]
    ).fetchall()
    assert sorted(asset for (asset,) in linked) == sorted([pump, motor])


def test_one_insert_of_many_work_orders_logs_and_notifies_each_one(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    """The initial status entries and assignment notices are written per statement: each
    work order still gets its own entry, and only those assigned to someone else notify."""
    act(app, a)
    rows = app.execute(
        "INSERT INTO cmms.work_orders (organization_id, title, assignee_user_id)"
        " SELECT %s, 'Bulk ' || g, CASE g WHEN 1 THEN %s::uuid WHEN 2 THEN %s::uuid END"
        " FROM generate_series(1, 3) AS g RETURNING id, reference",
        [a.org, a.tech, a.actor],
    ).fetchall()
    app.commit()

    for work_order, _ in rows:
        assert history(admin, work_order) == [(None, "open", None, a.actor)]
    assert notifications(admin, a.tech) == [
        ("work_order_assigned", f"{rows[0][1]} was assigned to you", str(rows[0][0]))
    ]
    assert notifications(admin, a.actor) == []


def test_creating_needs_a_tenant_context(app: Conn) -> None:
    with raises_sqlstate(app, "42501", "set_context"):
        app.execute("SELECT cmms.create_work_order('Pump leaks')")


@pytest.mark.parametrize("argument", ["assignee_user_id", "team_id", "location_id", "asset_ids"])
def test_creating_with_another_tenants_ids_writes_nothing_anywhere(
    admin: Conn, app: Conn, a: Tenant, b: Tenant, argument: str
) -> None:
    table = {"assignee_user_id": "users", "team_id": "teams", "location_id": "locations"}
    foreign = make_row(admin, table.get(argument, "assets"), b.org)
    value: Any = [foreign] if argument == "asset_ids" else foreign
    with pytest.raises(errors.ForeignKeyViolation):
        create(app, a, **{argument: value})
    app.rollback()
    for org in (a.org, b.org):
        assert (
            one(admin, "SELECT count(*) FROM cmms.work_orders WHERE organization_id = %s", [org])
            == 0
        )


@pytest.mark.parametrize(
    ("named", "sqlstate"),
    [
        ({"priority": "asap"}, "23514"),
        ({"work_order_type": "upgrade"}, "23514"),
        ({"custom_fields": '{"no_such_field": 1}'}, "CM003"),
        ({"custom_fields": "[]"}, "22023"),
    ],
)
def test_creating_refuses_bad_arguments(
    app: Conn, a: Tenant, named: dict[str, Any], sqlstate: str
) -> None:
    with raises_sqlstate(app, sqlstate):
        create(app, a, **named)


def test_a_blank_title_is_refused(app: Conn, a: Tenant) -> None:
    with raises_sqlstate(app, "23514", "title"):
        create(app, a, "   ")


def numbers(admin: Conn, org: uuid.UUID) -> list[int]:
    query = "SELECT number FROM cmms.work_orders WHERE organization_id = %s ORDER BY number"
    return [n for (n,) in admin.execute(query, [org])]


def write_concurrently(
    app_login: str, who: Tenant, writers: int, statements: list[tuple[str, list[Any]]]
) -> list[BaseException]:
    """`writers` connections, started together, each run every statement in a transaction
    of its own as `who`; what they raised."""
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write() -> None:
        try:
            with psycopg.connect(app_login) as conn:
                start.wait()
                for statement, params in statements:
                    with conn.transaction():
                        act(conn, who)
                        conn.execute(statement, params)
        except BaseException as failure:
            failures.append(failure)

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_many_connections_creating_at_once_never_share_a_number(
    admin: Conn, app_login: str, a: Tenant
) -> None:
    writers, each = 16, 5
    create_one = "SELECT cmms.create_work_order(%s)"
    statements = [(create_one, [f"Job {n}"]) for n in range(each)]
    assert write_concurrently(app_login, a, writers, statements) == []
    assert numbers(admin, a.org) == list(range(1, writers * each + 1))


def test_multi_row_statements_number_each_row_as_single_rows_would(
    admin: Conn, app: Conn, a: Tenant, b: Tenant
) -> None:
    create(app, a, "Before")  # number 1
    act(app, a)
    bulk = (
        "INSERT INTO cmms.work_orders (organization_id, title, number)"
        " SELECT %s, 'Job ' || g, n FROM unnest(%s::bigint[]) WITH ORDINALITY AS u (n, g)"
    )
    # rows without a number count on from the last one given; an explicit number above it
    # (6) raises the count, one below it (4) does not; the next statement reads max anew
    app.execute(bulk, [a.org, [None, None, 6, None, None]])  # 2, 3, 6, 7, 8
    app.execute(bulk, [a.org, [None, 4, None]])  # 9, 4, 10
    app.commit()
    assert numbers(admin, a.org) == [1, 2, 3, 4, 6, 7, 8, 9, 10]
    # the superuser writes for two organizations in one statement, interleaved
    admin.execute(
        "INSERT INTO cmms.work_orders (organization_id, title)"
        " SELECT CASE WHEN g %% 2 = 0 THEN %s::uuid ELSE %s::uuid END, 'Job ' || g"
        " FROM generate_series(1, 6) AS g",
        [a.org, b.org],
    )
    assert numbers(admin, a.org) == [1, 2, 3, 4, *range(6, 14)]
    assert numbers(admin, b.org) == [1, 2, 3]
    # statements of one client statement (a function's, a DO block's): each reads max anew
    insert = f"INSERT INTO cmms.work_orders (organization_id, title) VALUES ('{b.org}', 'z');"
    renumber = (
        f"UPDATE cmms.work_orders SET number = 5 WHERE organization_id = '{b.org}' AND number = 4;"
    )
    admin.execute(f"DO $$ BEGIN {insert} {renumber} {insert} END $$")
    assert numbers(admin, b.org) == [1, 2, 3, 5, 6]
    with pytest.raises(errors.UniqueViolation):  # the unique index stays the backstop
        admin.execute(
            "INSERT INTO cmms.work_orders (organization_id, title, number) VALUES (%s, 'x', 3)",
            [b.org],
        )


def test_concurrent_bulk_creators_get_distinct_consecutive_numbers(
    admin: Conn, app_login: str, a: Tenant
) -> None:
    writers, rows = 4, 300
    bulk = (
        "INSERT INTO cmms.work_orders (organization_id, title)"
        " SELECT %s, 'Job ' || g FROM generate_series(1, %s) AS g"
    )
    assert write_concurrently(app_login, a, writers, [(bulk, [a.org, rows])] * 2) == []
    assert numbers(admin, a.org) == list(range(1, writers * 2 * rows + 1))


# --- cmms.transition_work_order ------------------------------------------------------------------

# How to reach each status from open, along allowed transitions.
PATH = {
    "open": [],
    "in_progress": ["in_progress"],
    "on_hold": ["on_hold"],
    "completed": ["in_progress", "completed"],
    "closed": ["in_progress", "completed", "closed"],
    "cancelled": ["cancelled"],
}
ALLOWED = {
    ("open", "in_progress"),
    ("open", "on_hold"),
    ("open", "cancelled"),
    ("in_progress", "on_hold"),
    ("in_progress", "completed"),
    ("in_progress", "cancelled"),
    ("on_hold", "in_progress"),
    ("on_hold", "cancelled"),
    ("completed", "closed"),
    ("completed", "in_progress"),
}
PAIRS = [(f, t) for f in PATH for t in PATH if f != t]


def work_order_in(app: Conn, who: Tenant, status: str, **named: Any) -> Any:
    work_order = create(app, who, **named)["id"]
    for step in PATH[status]:
        transition(app, who, work_order, step)
    app.commit()
    return work_order


@pytest.mark.parametrize(("from_status", "to_status"), PAIRS)
def test_only_the_allowed_transitions_are_possible(
    app: Conn, a: Tenant, from_status: str, to_status: str
) -> None:
    work_order = work_order_in(app, a, from_status)
    if (from_status, to_status) in ALLOWED:
        assert transition(app, a, work_order, to_status)["status"] == to_status
        app.commit()
    else:
        with raises_sqlstate(app, "CM001", from_status, to_status):
            transition(app, a, work_order, to_status)


def test_the_allowed_transitions_are_published(app: Conn, a: Tenant) -> None:
    act(app, a)
    published = {
        (f, t)
        for f in PATH
        for (t,) in app.execute("SELECT unnest(cmms.work_order_next_statuses(%s))", [f])
    }
    assert published == ALLOWED


def test_a_work_order_lives_through_its_statuses_with_its_history_and_times(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    work_order = create(app, a, assignee_user_id=a.tech)["id"]
    started = transition(app, a, work_order, "in_progress", "on site")
    held = transition(app, a, work_order, "on_hold", "waiting for a seal")
    resumed = transition(app, a, work_order, "in_progress")
    completed = transition(app, a, work_order, "completed", "seal replaced")
    closed = transition(app, a, work_order, "closed")
    app.commit()

    assert started["started_at"] is not None
    assert resumed["started_at"] == started["started_at"]
    assert held["completed_at"] is None
    assert completed["completed_at"] is not None
    assert closed["completed_at"] == completed["completed_at"]
    assert history(admin, work_order) == [
        (None, "open", None, a.actor),
        ("open", "in_progress", "on site", a.actor),
        ("in_progress", "on_hold", "waiting for a seal", a.actor),
        ("on_hold", "in_progress", None, a.actor),
        ("in_progress", "completed", "seal replaced", a.actor),
        ("completed", "closed", None, a.actor),
    ]
    kinds = [kind for kind, _, _ in notifications(admin, a.tech)]
    assert kinds == ["work_order_assigned"] + ["work_order_status_changed"] * 5
    assert notifications(admin, a.tech)[-1][1] == "WO-000001 is now closed (was completed)"


def test_reopening_a_completed_work_order_clears_its_completion(app: Conn, a: Tenant) -> None:
    work_order = work_order_in(app, a, "completed")
    reopened = transition(app, a, work_order, "in_progress", "leaks again")
    assert (reopened["status"], reopened["completed_at"]) == ("in_progress", None)


def test_the_assignee_is_not_notified_of_their_own_changes(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    work_order = create(app, a, assignee_user_id=a.actor)["id"]
    transition(app, a, work_order, "in_progress")
    app.commit()
    assert notifications(admin, a.actor) == []


@pytest.mark.parametrize("status", [None, "done", "OPEN"])
def test_an_unknown_status_is_refused(app: Conn, a: Tenant, status: str | None) -> None:
    work_order = work_order_in(app, a, "open")
    with raises_sqlstate(app, "22023", "unknown status"):
        transition(app, a, work_order, status)  # type: ignore[arg-type]


def test_the_same_status_again_is_not_a_transition(app: Conn, a: Tenant) -> None:
    work_order = work_order_in(app, a, "in_progress")
    with raises_sqlstate(app, "CM001", "in_progress to in_progress"):
        transition(app, a, work_order, "in_progress")


def test_transitions_need_a_tenant_context(app: Conn, a: Tenant) -> None:
    work_order = work_order_in(app, a, "open")
    with raises_sqlstate(app, "42501"):
        app.execute("SELECT cmms.transition_work_order(%s, 'in_progress')", [work_order])


def test_another_tenants_work_order_is_not_found_and_left_alone(
    admin: Conn, app: Conn, a: Tenant, b: Tenant
) -> None:
    theirs = work_order_in(app, b, "open")
    for missing in (theirs, uuid.uuid4()):
        with raises_sqlstate(app, "P0002", "no work order"):
            transition(app, a, missing, "in_progress")
    assert one(admin, "SELECT status FROM cmms.work_orders WHERE id = %s", [theirs]) == "open"
    assert len(history(admin, theirs)) == 1


def test_a_soft_deleted_work_order_is_not_found(admin: Conn, app: Conn, a: Tenant) -> None:
    work_order = work_order_in(app, a, "open")
    admin.execute("UPDATE cmms.work_orders SET deleted_at = now() WHERE id = %s", [work_order])
    with raises_sqlstate(app, "P0002"):
        transition(app, a, work_order, "in_progress")


def test_a_plain_update_of_status_obeys_the_same_rules(admin: Conn, app: Conn, a: Tenant) -> None:
    work_order = work_order_in(app, a, "open", assignee_user_id=a.tech)
    act(app, a)
    with raises_sqlstate(app, "CM001", "open to closed"):
        app.execute("UPDATE cmms.work_orders SET status = 'closed' WHERE id = %s", [work_order])

    act(app, a)
    app.execute("UPDATE cmms.work_orders SET status = 'in_progress' WHERE id = %s", [work_order])
    app.commit()
    assert history(admin, work_order)[-1] == ("open", "in_progress", None, a.actor)
    assert notifications(admin, a.tech)[-1][0] == "work_order_status_changed"
    with raises_sqlstate(admin, "CM001"):  # the rule holds for a superuser too
        admin.execute("UPDATE cmms.work_orders SET status = 'open' WHERE id = %s", [work_order])


# --- completion and checklists -------------------------------------------------------------------


def checklist(admin: Conn, who: Tenant, work_order: Any, *, signature: bool = False) -> uuid.UUID:
    return insert(
        admin,
        "checklists",
        {
            "organization_id": who.org,
            "work_order_id": work_order,
            "name": "Lockout",
            "requires_signature": signature,
        },
    )


def item(admin: Conn, who: Tenant, checklist_id: uuid.UUID, position: int, **values: Any) -> Any:
    return insert(
        admin,
        "checklist_items",
        {
            "organization_id": who.org,
            "checklist_id": checklist_id,
            "position": position,
            "label": f"Step {position}",
        }
        | values,
    )


def test_completion_waits_for_every_required_checklist_item(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    work_order = work_order_in(app, a, "in_progress")
    steps = checklist(admin, a, work_order)
    required = item(admin, a, steps, 0)
    item(admin, a, steps, 1, is_required=False)
    deleted = item(admin, a, steps, 2)
    admin.execute("UPDATE cmms.checklist_items SET deleted_at = now() WHERE id = %s", [deleted])

    with raises_sqlstate(app, "CM002", "WO-000001", '"Step 0" is not done'):
        transition(app, a, work_order, "completed")
    admin.execute(
        "UPDATE cmms.checklist_items SET is_done = true, done_at = now() WHERE id = %s", [required]
    )
    assert transition(app, a, work_order, "completed")["status"] == "completed"


def test_completion_waits_for_the_signature_a_checklist_requires(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    work_order = work_order_in(app, a, "in_progress")
    signed = checklist(admin, a, work_order, signature=True)
    act(app, a)
    assert one(app, "SELECT cmms.work_order_completion_blockers(%s)", [work_order]) == [
        'checklist "Lockout" needs a signature'
    ]
    with raises_sqlstate(app, "CM002", "needs a signature"):
        transition(app, a, work_order, "completed")
    insert(
        admin,
        "checklist_signatures",
        {"organization_id": a.org, "checklist_id": signed, "signer_name": "Ann Smith"},
    )
    assert transition(app, a, work_order, "completed")["status"] == "completed"


def test_a_deleted_checklist_does_not_block_completion(admin: Conn, app: Conn, a: Tenant) -> None:
    work_order = work_order_in(app, a, "in_progress")
    gone = checklist(admin, a, work_order, signature=True)
    item(admin, a, gone, 0)
    admin.execute("UPDATE cmms.checklists SET deleted_at = now() WHERE id = %s", [gone])
    assert transition(app, a, work_order, "completed")["status"] == "completed"


def test_completion_blockers_of_another_tenant_are_never_read(
    admin: Conn, app: Conn, a: Tenant, b: Tenant
) -> None:
    theirs = work_order_in(app, b, "in_progress")
    item(admin, b, checklist(admin, b, theirs, signature=True), 0)
    act(app, b)
    assert len(one(app, "SELECT cmms.work_order_completion_blockers(%s)", [theirs])) == 2
    app.rollback()
    act(app, a)
    for query in (
        "SELECT cmms.work_order_completion_blockers(%s)",
        "SELECT cmms.work_order_completion_blockers(%s, %s)",
    ):
        assert one(app, query, [theirs, b.org][: query.count("%s")]) == []
