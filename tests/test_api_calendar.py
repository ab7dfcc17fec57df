"""cmms.calendar_ics (0084, its one-year limit fixed in 0090): an RFC 5545 calendar of the
tenant's calendar events and scheduled work orders, read back with the icalendar package."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import icalendar
import psycopg
import pytest
from psycopg import errors

from tests.rows import new_org

Conn = psycopg.Connection[Any]
TRICKY = "Shutdown; line 1, pump\\valve — déjà vu " + "€" * 40


@pytest.fixture
def orgs(admin: Conn) -> dict[str, Any]:
    a, b = new_org(admin, "Alpha"), new_org(admin, "Beta")
    event = admin.execute(
        "INSERT INTO cmms.calendar_events (organization_id, title, description, starts_at,"
        " ends_at, recurrence_rule) VALUES (%s, %s, %s, '2026-12-01 08:00+01',"
        " '2026-12-01 10:00+01', 'FREQ=WEEKLY;COUNT=3') RETURNING id",
        [a, TRICKY, "first line\nsecond, line"],
    ).fetchone()
    admin.execute(
        "INSERT INTO cmms.calendar_events (organization_id, title, starts_at, ends_at, all_day,"
        " time_zone) VALUES (%s, 'Holiday', '2026-12-24 23:00Z', '2026-12-25 23:00Z', true,"
        " 'Europe/Paris')",
        [a],
    )
    admin.execute(
        "INSERT INTO cmms.calendar_events (organization_id, title, starts_at, ends_at)"
        " VALUES (%s, 'Next year', '2027-03-01 08:00Z', '2027-03-01 09:00Z')",
        [a],
    )
    admin.execute(
        "INSERT INTO cmms.calendar_events (organization_id, title, starts_at, ends_at)"
        " VALUES (%s, 'Secret of B', '2026-12-02 08:00Z', '2026-12-02 09:00Z')",
        [b],
    )
    work_order = admin.execute(
        "INSERT INTO cmms.work_orders (organization_id, title, scheduled_start_at,"
        " estimated_duration_minutes) VALUES (%s, 'Replace bearings', '2026-12-03 09:00Z', 90)"
        " RETURNING id, reference",
        [a],
    ).fetchone()
    admin.execute(
        "INSERT INTO cmms.work_orders (organization_id, title) VALUES (%s, 'Unscheduled')", [a]
    )
    assert event
    assert work_order
    return {"A": a, "B": b, "event": event[0], "work_order": work_order}


def export(app: Conn, org: uuid.UUID, start: str, end: str) -> str:
    with app.transaction():
        app.execute("SELECT cmms.set_context(%s)", [org])
        row = app.execute("SELECT cmms.calendar_ics(%s, %s)", [start, end]).fetchone()
    assert row
    return row[0]  # type: ignore[no-any-return]


def test_calendar_is_valid_rfc5545_with_crlf_and_folded_lines(
    app: Conn, orgs: dict[str, Any]
) -> None:
    text = export(app, orgs["A"], "2026-12-01", "2027-01-01")
    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    assert "\n" not in "".join(lines)
    assert all(len(line.encode()) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines)  # the long summary was folded

    calendar = icalendar.Calendar.from_ical(text)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {
        f"calendar-event-{orgs['event']}@cmmsdb",
        f"work-order-{orgs['work_order'][0]}@cmmsdb",
        *[uid for uid in events if str(events[uid]["SUMMARY"]) == "Holiday"],
    }
    assert len(events) == 3

    recurring = events[f"calendar-event-{orgs['event']}@cmmsdb"]
    assert str(recurring["SUMMARY"]) == TRICKY
    assert str(recurring["DESCRIPTION"]) == "first line\nsecond, line"
    assert recurring.decoded("DTSTART") == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    assert recurring.decoded("DTEND") == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert recurring["RRULE"]["FREQ"] == ["WEEKLY"]

    job = events[f"work-order-{orgs['work_order'][0]}@cmmsdb"]
    assert str(job["SUMMARY"]) == f"{orgs['work_order'][1]} Replace bearings"
    assert job.decoded("DTEND") == datetime(2026, 12, 3, 10, 30, tzinfo=UTC)

    holiday = next(e for e in events.values() if str(e["SUMMARY"]) == "Holiday")
    assert holiday.decoded("DTSTART") == date(2026, 12, 25)
    assert holiday.decoded("DTEND") == date(2026, 12, 26)


def test_uids_are_stable_and_other_tenants_events_never_appear(
    app: Conn, orgs: dict[str, Any]
) -> None:
    first = export(app, orgs["A"], "2026-12-01", "2027-01-01")
    again = export(app, orgs["A"], "2026-12-01", "2027-01-01")
    assert first == again
    assert "Secret of B" not in first
    theirs = icalendar.Calendar.from_ical(export(app, orgs["B"], "2026-12-01", "2027-01-01"))
    assert [str(e["SUMMARY"]) for e in theirs.walk("VEVENT")] == ["Secret of B"]


def test_a_period_with_nothing_gives_an_empty_calendar(app: Conn, orgs: dict[str, Any]) -> None:
    calendar = icalendar.Calendar.from_ical(export(app, orgs["A"], "2025-01-01", "2025-02-01"))
    assert calendar.walk("VEVENT") == []
    assert str(calendar["VERSION"]) == "2.0"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-12-01", "2026-12-01", "before"),
        ("2026-12-02", "2026-12-01", "before"),
        ("2026-01-01", "2028-01-01", "longer than a year"),
        ("2026-01-01", "2027-01-03", "longer than a year"),
    ],
)
def test_calendar_refuses_an_empty_reversed_or_too_long_period(
    app: Conn, orgs: dict[str, Any], start: str, end: str, message: str
) -> None:
    with pytest.raises(errors.InvalidParameterValue, match=message):
        export(app, orgs["A"], start, end)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-01-01", "2027-01-01"),  # a calendar year: 365 days
        ("2028-01-01", "2029-01-01"),  # a leap year: 366 days
        ("2026-03-15", "2027-03-16"),  # a year and a day
    ],
)
def test_calendar_exports_a_whole_calendar_year_leap_years_included(
    app: Conn, orgs: dict[str, Any], start: str, end: str
) -> None:
    calendar = icalendar.Calendar.from_ical(export(app, orgs["A"], start, end))
    assert str(calendar["VERSION"]) == "2.0"
