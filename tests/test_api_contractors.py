"""Contractors and vendors have locations (0092-0096): checked coordinates, and the nearest
live, active contractors of the tenant found by cmms.contractors_within, as a cmms_app
login, served by the coordinates index under row-level security."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from psycopg import errors

from tests.rows import insert, new_org
from tests.test_api_search import as_tenant, plans_of

Conn = psycopg.Connection[Any]
BROKEN_PUMP = (48.8566, 2.3522)  # Paris
NEAREST = "SELECT name, distance_m FROM cmms.contractors_within(%s, %s, %s)"


def contractor(admin: Conn, org: uuid.UUID, name: str, **columns: Any) -> uuid.UUID:
    return insert(admin, "contractors", {"organization_id": org, "name": name, **columns})


@pytest.fixture
def crews(admin: Conn) -> dict[str, uuid.UUID]:
    a, b = new_org(admin, "Facilities"), new_org(admin, "Other")
    contractor(admin, a, "Louvre Electric", latitude=48.8606, longitude=2.3376)
    contractor(admin, a, "Versailles HVAC", latitude=48.8049, longitude=2.1204)
    contractor(admin, a, "Lyon Lifts", latitude=45.76, longitude=4.84)
    contractor(admin, a, "Retired crew", latitude=48.857, longitude=2.352, is_active=False)
    contractor(admin, a, "Gone crew", latitude=48.857, longitude=2.352, deleted_at="2026-01-01")
    contractor(admin, a, "Phone only")
    contractor(admin, b, "B's electrician", latitude=48.8606, longitude=2.3376)
    return {"A": a, "B": b}


def test_the_nearest_active_contractors_of_the_tenant_come_first(
    app: Conn, crews: dict[str, uuid.UUID]
) -> None:
    near = as_tenant(app, crews["A"], NEAREST, [*BROKEN_PUMP, 25_000])
    assert [name for name, _ in near] == ["Louvre Electric", "Versailles HVAC"]
    assert near[0][1] == pytest.approx(1_158, rel=0.005)
    everyone = as_tenant(app, crews["A"], NEAREST, [*BROKEN_PUMP, 500_000])
    assert [name for name, _ in everyone][-1] == "Lyon Lifts"
    assert [n for n, _ in as_tenant(app, crews["B"], NEAREST, [*BROKEN_PUMP, 5_000])] == [
        "B's electrician"
    ]
    assert as_tenant(app, None, NEAREST, [*BROKEN_PUMP, 500_000]) == []


@pytest.mark.parametrize(
    ("latitude", "longitude", "radius", "word"),
    [(91, 0, 10, "latitude"), (0, 181, 10, "longitude"), (0, 0, 0, "radius_m")],
)
def test_contractors_within_refuses_out_of_range_arguments(
    app: Conn, crews: dict[str, uuid.UUID], latitude: Any, longitude: Any, radius: Any, word: str
) -> None:
    with pytest.raises(errors.InvalidParameterValue, match=word):
        as_tenant(app, crews["A"], NEAREST, [latitude, longitude, radius])


@pytest.mark.parametrize("table", ["contractors", "vendors"])
def test_coordinates_are_checked_and_set_together(admin: Conn, table: str) -> None:
    org = new_org(admin, "Checks")
    for latitude, longitude in ((91, 0), (0, -181), (48.8, None)):
        with pytest.raises(errors.CheckViolation), admin.transaction():
            insert(
                admin,
                table,
                {"organization_id": org, "name": "x", "latitude": latitude, "longitude": longitude},
            )


def test_contractors_within_is_served_by_the_coordinates_index_under_rls(
    admin: Conn, app_login: str, crews: dict[str, uuid.UUID]
) -> None:
    admin.execute(
        "INSERT INTO cmms.contractors (organization_id, name, latitude, longitude)"
        " SELECT %s, 'crew ' || n, 40 + n / 1000.0, n / 1000.0 FROM generate_series(1, 2000) AS n",
        [crews["A"]],
    )
    admin.execute("VACUUM ANALYZE cmms.contractors")
    plans = plans_of(
        admin, app_login, crews["A"], "SELECT * FROM cmms.contractors_within(48.8, 2.3, 5000)"
    )
    assert "contractors_organization_id_latitude_longitude_idx" in plans


def test_the_nearest_contractor_across_the_antimeridian(admin: Conn, app: Conn) -> None:
    org = new_org(admin, "Fiji")
    contractor(admin, org, "Suva crew", latitude=-17.0, longitude=179.99)
    found = as_tenant(app, org, NEAREST, [-17.0, -179.995, 5_000])
    assert [name for name, _ in found] == ["Suva crew"]
