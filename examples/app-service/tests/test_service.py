"""The service's tests: nothing but the cmmsdb pytest plugin's fixtures. Each test gets a
fresh clone of a database migrated once per session, with a fake tenant seeded into it."""

from __future__ import annotations

import pytest
import service
from psycopg import errors

from cmmsdb.pytest_plugin import AssertIsolated, FakeTenant, Logins, TenantFactory
from cmmsdb.tenancy import TenantConnection


def test_open_work_orders_are_the_tenants_and_most_urgent_first(
    tenant: FakeTenant, app_conn: TenantConnection
) -> None:
    orders = service.open_work_orders(app_conn)
    assert orders, "the seeded tenant has open work orders"
    assert {o.status for o in orders} <= {"open", "in_progress", "on_hold"}
    ranks = [["urgent", "high", "medium", "low"].index(o.priority) for o in orders]
    assert ranks == sorted(ranks)


def test_the_query_never_returns_another_tenants_rows(
    tenant: FakeTenant, tenant_factory: TenantFactory, assert_isolated: AssertIsolated
) -> None:
    other = tenant_factory()
    assert_isolated(service.OPEN_WORK_ORDERS, tenant, other, {"limit": 1000})
    assert_isolated(service.OPEN_WORK_ORDERS, other, tenant, {"limit": 1000})


def test_create_and_start_a_work_order(tenant: FakeTenant, app_conn: TenantConnection) -> None:
    created = service.create_work_order(app_conn, "Replace the pump seal", "urgent")
    assert created.status == "open"
    listed = service.open_work_orders(app_conn, limit=1000)
    urgent = [w.id for w in listed if w.priority == "urgent"]
    assert created.id in urgent
    assert [w.priority for w in listed[: len(urgent)]] == ["urgent"] * len(urgent)  # first
    started = service.start_work_order(app_conn, created.id)
    assert started.status == "in_progress"


def test_the_database_refuses_a_bad_priority(app_conn: TenantConnection) -> None:
    with pytest.raises(errors.CheckViolation):
        service.create_work_order(app_conn, "Oil the fan", "whenever")


def test_the_service_through_its_pool(
    tenant: FakeTenant, tenant_factory: TenantFactory, cmmsdb_db: str, cmmsdb_logins: Logins
) -> None:
    other = tenant_factory()
    app = service.Service(cmmsdb_logins.app.dsn_for(cmmsdb_db), max_size=1)
    try:
        made = app.report(tenant.organization_id, tenant.user_id, "Leak under sink")
        assert made.id in {o.id for o in app.dashboard(tenant.organization_id, tenant.user_id)}
        assert made.id not in {o.id for o in app.dashboard(other.organization_id, None)}
    finally:
        app.close()
