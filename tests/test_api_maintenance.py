"""cmms.generate_pm_work_orders and cmms.refresh_dashboard_metrics (migrations 0072, 0073),
called as a cmms_app login under row-level security: the work orders and cache rows they
leave, idempotence, concurrent runs, errors, and another tenant's rows left alone."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from tests.rows import insert, new_org
from tests.test_api_inventory import sqlstate_of

Conn = psycopg.Connection[Any]

GENERATE = "SELECT cmms.generate_pm_work_orders(%s)"
REFRESH = "SELECT metric, dimensions, value, computed_at FROM cmms.refresh_dashboard_metrics()"
AS_OF = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def one(conn: Conn, query: str, params: list[Any] | None = None) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0] if len(row) == 1 else row


@pytest.fixture
def app(app_login: str) -> Any:
    """A cmms_app login's connection (transactions, not autocommit), its dates in UTC."""
    with psycopg.connect(app_login) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        conn.commit()
        yield conn


def call(app: Conn, org: uuid.UUID, query: str, params: list[Any] | None = None) -> list[Any]:
    with app.transaction():
        app.execute("SELECT cmms.set_context(%s, NULL)", [org])
        return app.execute(query, params).fetchall()


def generate(app: Conn, org: uuid.UUID, as_of: datetime = AS_OF) -> int:
    return call(app, org, GENERATE, [as_of])[0][0]  # type: ignore[no-any-return]


def asset(admin: Conn, org: uuid.UUID, location: uuid.UUID | None = None) -> uuid.UUID:
    return insert(
        admin, "assets", {"organization_id": org, "name": "Pump 3", "location_id": location}
    )


def template(admin: Conn, org: uuid.UUID, **more: Any) -> uuid.UUID:
    values = {
        "organization_id": org,
        "name": f"Service {uuid.uuid4().hex[:6]}",
        "title": "Quarterly pump service",
        "description": "Check the seals.",
        "instructions": "1. Isolate. 2. Inspect.",
        "priority": "high",
        "estimated_duration_minutes": 90,
    }
    return insert(admin, "work_order_templates", values | more)


def calendar_schedule(
    admin: Conn, org: uuid.UUID, starts_at: datetime, interval: str = "7 days", **more: Any
) -> uuid.UUID:
    values = {
        "organization_id": org,
        "name": f"PM {uuid.uuid4().hex[:6]}",
        "asset_id": more.pop("asset_id", None) or asset(admin, org),
        "template_id": more.pop("template_id", None) or template(admin, org),
        "trigger_type": "calendar",
        "calendar_interval": interval,
        "starts_at": starts_at,
    }
    return insert(admin, "pm_schedules", values | more)


def meter_schedule(
    admin: Conn, org: uuid.UUID, interval: Any = 500, **more: Any
) -> tuple[uuid.UUID, uuid.UUID]:
    pump = asset(admin, org)
    meter = insert(
        admin,
        "meters",
        {"organization_id": org, "asset_id": pump, "name": "Hours", "unit": "hours"},
    )
    values = {
        "organization_id": org,
        "name": f"PM {uuid.uuid4().hex[:6]}",
        "asset_id": pump,
        "template_id": template(admin, org),
        "trigger_type": "meter",
        "meter_id": meter,
        "meter_interval": interval,
        "starts_at": AS_OF - 365 * DAY,
    }
    return insert(admin, "pm_schedules", values | more), meter


def reading(admin: Conn, org: uuid.UUID, meter: uuid.UUID, value: Any, read_at: datetime) -> None:
    insert(
        admin,
        "meter_readings",
        {"organization_id": org, "meter_id": meter, "value": value, "read_at": read_at},
    )


def schedule_state(admin: Conn, schedule: uuid.UUID) -> tuple[Any, ...]:
    return one(  # type: ignore[no-any-return]
        admin,
        "SELECT next_due_at, next_due_meter_value, last_generated_at IS NOT NULL"
        " FROM cmms.pm_schedules WHERE id = %s",
        [schedule],
    )


def pm_work_orders(admin: Conn, schedule: uuid.UUID) -> list[tuple[Any, ...]]:
    return admin.execute(
        "SELECT due_at, pm_due_at, status FROM cmms.work_orders WHERE pm_schedule_id = %s"
        " ORDER BY pm_due_at",
        [schedule],
    ).fetchall()


# generate_pm_work_orders ----------------------------------------------------------------


def test_a_due_calendar_schedule_gets_a_work_order_from_its_template_and_advances(
    admin: Conn, app: Conn
) -> None:
    org = new_org(admin)
    location = insert(admin, "locations", {"organization_id": org, "name": "Plant"})
    team = insert(admin, "teams", {"organization_id": org, "name": "Mechanics"})
    pump, service = asset(admin, org, location), template(admin, org, team_id=team)
    starts = AS_OF - DAY
    schedule = calendar_schedule(admin, org, starts, asset_id=pump, template_id=service)

    assert generate(app, org) == 1

    wo = one(
        admin,
        "SELECT id, number, title, description, priority, work_order_type, status, due_at,"
        " pm_due_at, estimated_duration_minutes, team_id, location_id, template_id"
        " FROM cmms.work_orders WHERE pm_schedule_id = %s",
        [schedule],
    )
    assert wo[1:] == (
        1,
        "Quarterly pump service",
        "Check the seals.\n\n1. Isolate. 2. Inspect.",
        "high",
        "preventive",
        "open",
        starts,
        starts,
        90,
        team,
        location,
        service,
    )
    assert admin.execute(
        "SELECT asset_id FROM cmms.work_order_assets WHERE work_order_id = %s", [wo[0]]
    ).fetchall() == [(pump,)]
    assert schedule_state(admin, schedule) == (starts + 7 * DAY, None, True)


def test_running_twice_creates_nothing_the_second_time(admin: Conn, app: Conn) -> None:
    org = new_org(admin)
    calendar_schedule(admin, org, AS_OF - DAY)
    meter_sched, meter = meter_schedule(admin, org)
    reading(admin, org, meter, 600, AS_OF - DAY)
    assert generate(app, org) == 2
    assert generate(app, org) == 0
    assert (
        one(admin, "SELECT count(*) FROM cmms.work_orders WHERE organization_id = %s", [org]) == 2
    )
    assert schedule_state(admin, meter_sched)[1] == 1000


def test_a_schedule_is_due_once_its_lead_time_has_begun(admin: Conn, app: Conn) -> None:
    org = new_org(admin)
    early = calendar_schedule(admin, org, AS_OF + 2 * DAY, lead_time=timedelta(days=3))
    late = calendar_schedule(admin, org, AS_OF + 2 * DAY, lead_time=DAY)
    assert generate(app, org) == 1
    assert pm_work_orders(admin, early) == [(AS_OF + 2 * DAY, AS_OF + 2 * DAY, "open")]
    assert pm_work_orders(admin, late) == []
    assert generate(app, org, AS_OF + DAY) == 1
    assert len(pm_work_orders(admin, late)) == 1


def test_missed_occurrences_give_one_work_order_for_the_latest_and_the_next_is_in_the_future(
    admin: Conn, app: Conn
) -> None:
    org = new_org(admin)
    starts = AS_OF - 30 * DAY
    schedule = calendar_schedule(admin, org, starts)
    assert generate(app, org) == 1
    assert pm_work_orders(admin, schedule) == [(starts + 28 * DAY, starts + 28 * DAY, "open")]
    assert schedule_state(admin, schedule)[0] == starts + 35 * DAY


def test_monthly_schedules_step_in_calendar_months_from_the_due_date(
    admin: Conn, app: Conn
) -> None:
    org = new_org(admin)
    starts = datetime(2026, 1, 31, 8, 0, tzinfo=UTC)
    schedule = calendar_schedule(admin, org, starts, "1 mon")
    assert generate(app, org, datetime(2026, 3, 31, 12, 0, tzinfo=UTC)) == 1
    due = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)  # Jan 31 + 2 months, not + 60 days
    assert pm_work_orders(admin, schedule) == [(due, due, "open")]
    assert schedule_state(admin, schedule)[0] == datetime(2026, 4, 30, 8, 0, tzinfo=UTC)


def test_paused_deleted_ended_and_future_schedules_generate_nothing(admin: Conn, app: Conn) -> None:
    org = new_org(admin)
    paused = calendar_schedule(admin, org, AS_OF - DAY, is_active=False)
    deleted = calendar_schedule(admin, org, AS_OF - DAY, deleted_at=AS_OF)
    ended = calendar_schedule(
        admin, org, AS_OF - 10 * DAY, next_due_at=AS_OF - DAY, ends_at=AS_OF - 2 * DAY
    )
    future = calendar_schedule(admin, org, AS_OF + DAY)
    gone_template = template(admin, org, deleted_at=AS_OF)
    orphan = calendar_schedule(admin, org, AS_OF - DAY, template_id=gone_template)
    assert generate(app, org) == 0
    for schedule in (paused, deleted, ended, future, orphan):
        assert schedule_state(admin, schedule)[2] is False
    assert (
        one(admin, "SELECT count(*) FROM cmms.work_orders WHERE organization_id = %s", [org]) == 0
    )


def test_the_last_due_date_before_ends_at_is_generated_and_none_after(
    admin: Conn, app: Conn
) -> None:
    org = new_org(admin)
    starts = AS_OF - 30 * DAY
    schedule = calendar_schedule(admin, org, starts, ends_at=starts + 15 * DAY)
    assert generate(app, org) == 1
    assert [r[1] for r in pm_work_orders(admin, schedule)] == [starts + 14 * DAY]
    assert generate(app, org) == 0


def test_a_meter_schedule_is_due_when_a_reading_reaches_the_threshold(
    admin: Conn, app: Conn
) -> None:
    org = new_org(admin)
    schedule, meter = meter_schedule(admin, org, interval=500)
    reading(admin, org, meter, 200, AS_OF - 10 * DAY)
    assert generate(app, org) == 0
    reading(admin, org, meter, 510, AS_OF - 5 * DAY)
    reading(admin, org, meter, 640, AS_OF - 2 * DAY)
    reading(admin, org, meter, 2000, AS_OF + DAY)  # after as_of: not seen yet
    assert generate(app, org) == 1
    # Due since the first reading at or above 500; the next service at 1000.
    assert pm_work_orders(admin, schedule) == [(AS_OF - 5 * DAY, AS_OF - 5 * DAY, "open")]
    assert schedule_state(admin, schedule)[1] == Decimal("1000.000")
    assert generate(app, org) == 0
    # 2000 reached at AS_OF + 1 day: one work order, the next service above it (2500).
    assert generate(app, org, AS_OF + 2 * DAY) == 1
    assert schedule_state(admin, schedule)[1] == Decimal("2500.000")
    assert [r[1] for r in pm_work_orders(admin, schedule)] == [AS_OF - 5 * DAY, AS_OF + DAY]


def test_a_meter_schedule_starts_from_its_next_due_value_when_set(admin: Conn, app: Conn) -> None:
    org = new_org(admin)
    schedule, meter = meter_schedule(admin, org, interval=250, next_due_meter_value=10250)
    reading(admin, org, meter, 10100, AS_OF - DAY)
    assert generate(app, org) == 0
    reading(admin, org, meter, 10260, AS_OF)
    assert generate(app, org) == 1
    assert schedule_state(admin, schedule)[1] == Decimal("10500.000")


def test_another_tenants_schedules_are_neither_read_nor_advanced(admin: Conn, app: Conn) -> None:
    org, other = new_org(admin, "Alpha"), new_org(admin, "Beta")
    mine = calendar_schedule(admin, org, AS_OF - DAY)
    theirs = calendar_schedule(admin, other, AS_OF - DAY)
    assert generate(app, org) == 1
    assert len(pm_work_orders(admin, mine)) == 1
    assert pm_work_orders(admin, theirs) == []
    assert schedule_state(admin, theirs) == (None, None, False)
    assert (
        one(admin, "SELECT count(*) FROM cmms.work_orders WHERE organization_id = %s", [other]) == 0
    )


def test_concurrent_runs_create_each_work_order_once(admin: Conn, app_login: str) -> None:
    org = new_org(admin)
    schedules = [calendar_schedule(admin, org, AS_OF - i * DAY) for i in range(1, 13)]
    runs = 8
    created: list[int] = []
    failures: list[BaseException] = []
    barrier = threading.Barrier(runs)

    def run() -> None:
        try:
            with psycopg.connect(app_login) as conn:
                barrier.wait(30)
                created.append(generate(conn, org))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    assert sum(created) == len(schedules)
    assert sorted(created)[:-1] == [0] * (runs - 1)
    numbers = admin.execute(
        "SELECT number FROM cmms.work_orders WHERE organization_id = %s ORDER BY number", [org]
    ).fetchall()
    assert numbers == [(n,) for n in range(1, len(schedules) + 1)]
    for schedule in schedules:
        assert len(pm_work_orders(admin, schedule)) == 1


def test_generating_refuses_no_context_and_a_null_as_of(admin: Conn, app: Conn) -> None:
    org = new_org(admin)
    calendar_schedule(admin, org, AS_OF - DAY)
    assert sqlstate_of(app, None, GENERATE, [AS_OF]) == "42501"
    assert sqlstate_of(app, org, GENERATE, [None]) == "22023"
    assert (
        one(admin, "SELECT count(*) FROM cmms.work_orders WHERE organization_id = %s", [org]) == 0
    )


def test_as_of_defaults_to_now(admin: Conn, app: Conn) -> None:
    org = new_org(admin)
    calendar_schedule(admin, org, datetime.now(UTC) - DAY)
    calendar_schedule(admin, org, datetime.now(UTC) + DAY)
    assert call(app, org, "SELECT cmms.generate_pm_work_orders()") == [(1,)]


# refresh_dashboard_metrics --------------------------------------------------------------


def wo(admin: Conn, org: uuid.UUID, **values: Any) -> uuid.UUID:
    return insert(admin, "work_orders", {"organization_id": org, "title": "Job"} | values)


def test_the_dashboard_counts_open_overdue_repair_time_and_pm_compliance(
    admin: Conn, app: Conn
) -> None:
    org = new_org(admin)
    now = datetime.now(UTC)
    wo(admin, org, status="open", priority="high", due_at=now - DAY)  # overdue
    wo(admin, org, status="open", priority="high", due_at=now + DAY)
    wo(admin, org, status="in_progress", priority="low", due_at=now - DAY)  # overdue
    wo(admin, org, status="on_hold", priority="urgent")
    wo(admin, org, status="open", priority="high", deleted_at=now)  # soft-deleted: ignored
    # Repairs: 2 h (from started_at) and 4 h (never started: from created_at); an old one ignored.
    wo(
        admin,
        org,
        status="completed",
        started_at=now - 3 * DAY,
        completed_at=now - 3 * DAY + timedelta(hours=2),
    )
    wo(
        admin,
        org,
        status="closed",
        created_at=now - 2 * DAY,
        completed_at=now - 2 * DAY + timedelta(hours=4),
    )
    wo(admin, org, status="closed", started_at=now - 200 * DAY, completed_at=now - 199 * DAY)
    # PM: 3 due in the last 90 days, 1 done on time, 1 late, 1 cancelled; 1 not yet due.
    pm = {"work_order_type": "preventive"}
    wo(admin, org, status="closed", due_at=now - 5 * DAY, completed_at=now - 6 * DAY, **pm)
    wo(admin, org, status="completed", due_at=now - 5 * DAY, completed_at=now - 4 * DAY, **pm)
    wo(admin, org, status="cancelled", due_at=now - 5 * DAY, **pm)
    wo(admin, org, status="completed", due_at=now + 5 * DAY, completed_at=now, **pm)

    rows = call(app, org, REFRESH)

    metrics = {(m, tuple(sorted(d.items()))): v for m, d, v, _ in rows}
    assert len(metrics) == len(rows) == 12 + 3 + 4 + 1 + 4 + 1 + 2
    assert metrics[("open_work_orders", ())] == 4
    assert metrics[("open_work_orders", (("priority", "high"), ("status", "open")))] == 2
    assert metrics[("open_work_orders", (("priority", "medium"), ("status", "open")))] == 0
    assert metrics[("open_work_orders", (("status", "open"),))] == 2
    assert metrics[("open_work_orders", (("status", "on_hold"),))] == 1
    assert metrics[("open_work_orders", (("priority", "low"),))] == 1
    assert metrics[("overdue_work_orders", ())] == 2
    assert metrics[("overdue_work_orders", (("priority", "high"),))] == 1
    assert metrics[("overdue_work_orders", (("priority", "urgent"),))] == 0
    assert metrics[("mean_time_to_repair_hours", ())] == Decimal("3.00")
    assert metrics[("pm_compliance_percent", ())] == Decimal("33.3")
    stored = admin.execute(
        "SELECT metric, dimensions, value, computed_at FROM cmms.dashboard_metrics_cache"
        " WHERE organization_id = %s ORDER BY metric, dimensions::text",
        [org],
    ).fetchall()
    assert stored == rows


def test_a_refresh_replaces_the_previous_figures(admin: Conn, app: Conn) -> None:
    org = new_org(admin)
    wo(admin, org, status="open")
    wo(admin, org, status="closed", completed_at=datetime.now(UTC))
    before = {(m, str(d)): (v, at) for m, d, v, at in call(app, org, REFRESH)}
    assert before[("open_work_orders", "{}")][0] == 1
    assert ("mean_time_to_repair_hours", "{}") in before

    admin.execute(
        "UPDATE cmms.work_orders SET deleted_at = now() WHERE organization_id = %s", [org]
    )
    after = {(m, str(d)): (v, at) for m, d, v, at in call(app, org, REFRESH)}
    assert after[("open_work_orders", "{}")][0] == 0
    assert ("mean_time_to_repair_hours", "{}") not in after  # no repair left: no figure
    assert after[("open_work_orders", "{}")][1] > before[("open_work_orders", "{}")][1]
    cached = "SELECT count(*) FROM cmms.dashboard_metrics_cache WHERE organization_id = %s"
    assert one(admin, cached, [org]) == len(after)


def test_a_refresh_neither_counts_nor_touches_another_tenants_rows(admin: Conn, app: Conn) -> None:
    org, other = new_org(admin, "Alpha"), new_org(admin, "Beta")
    wo(admin, other, status="open", due_at=datetime.now(UTC) - DAY)
    theirs = insert(
        admin,
        "dashboard_metrics_cache",
        {"organization_id": other, "metric": "open_work_orders", "value": 42, "computed_at": AS_OF},
    )
    rows = call(app, org, REFRESH)
    assert {r[2] for r in rows if r[0] in ("open_work_orders", "overdue_work_orders")} == {0}
    assert one(
        admin, "SELECT value, computed_at FROM cmms.dashboard_metrics_cache WHERE id = %s", [theirs]
    ) == (42, AS_OF)
    assert (
        one(
            admin,
            "SELECT count(*) FROM cmms.dashboard_metrics_cache WHERE organization_id = %s",
            [other],
        )
        == 1
    )


def test_concurrent_refreshes_of_one_tenant_both_succeed(admin: Conn, app_login: str) -> None:
    org = new_org(admin)
    wo(admin, org, status="open")
    failures: list[BaseException] = []
    barrier = threading.Barrier(4)

    def refresh() -> None:
        try:
            with psycopg.connect(app_login) as conn:
                barrier.wait(30)
                call(conn, org, REFRESH)
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    cached = "SELECT count(*) FROM cmms.dashboard_metrics_cache WHERE organization_id = %s"
    assert one(admin, cached, [org]) == 12 + 3 + 4 + 1 + 4 + 1


def test_refreshing_without_tenant_context_is_refused(app: Conn) -> None:
    assert sqlstate_of(app, None, REFRESH) == "42501"
