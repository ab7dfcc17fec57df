"""A work order service for one tenant at a time: each function takes a tenant connection
(cmmsdb.tenancy), so row-level security scopes every query to the tenant, and the domain
rules run in the database's stored functions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import class_row

from cmmsdb.tenancy import TenantPool

OPEN_WORK_ORDERS = """
    SELECT id, number, title, status, priority, due_at
    FROM cmms.work_orders
    WHERE status IN ('open', 'in_progress', 'on_hold') AND deleted_at IS NULL
    ORDER BY array_position(ARRAY['urgent', 'high', 'medium', 'low'], priority), number
    LIMIT %(limit)s
"""
CREATE_WORK_ORDER = """
    SELECT id, number, title, status, priority, due_at
    FROM cmms.create_work_order(%(title)s, priority => %(priority)s)
"""
START_WORK_ORDER = """
    SELECT id, number, title, status, priority, due_at
    FROM cmms.transition_work_order(%(id)s, 'in_progress')
"""


@dataclass(frozen=True)
class WorkOrder:
    id: uuid.UUID
    number: int
    title: str
    status: str
    priority: str
    due_at: Any


def open_work_orders(conn: psycopg.Connection[Any], limit: int = 50) -> list[WorkOrder]:
    """The tenant's open work orders, most urgent first."""
    with conn.cursor(row_factory=class_row(WorkOrder)) as cur:
        return cur.execute(OPEN_WORK_ORDERS, {"limit": limit}).fetchall()


def create_work_order(
    conn: psycopg.Connection[Any], title: str, priority: str = "medium"
) -> WorkOrder:
    """A new work order (stored function cmms.create_work_order: numbering, checks)."""
    with conn.cursor(row_factory=class_row(WorkOrder)) as cur:
        row = cur.execute(CREATE_WORK_ORDER, {"title": title, "priority": priority}).fetchone()
    assert row is not None
    return row


def start_work_order(conn: psycopg.Connection[Any], work_order_id: uuid.UUID) -> WorkOrder:
    """Move a work order to in_progress (the database refuses a transition it forbids)."""
    with conn.cursor(row_factory=class_row(WorkOrder)) as cur:
        row = cur.execute(START_WORK_ORDER, {"id": work_order_id}).fetchone()
    assert row is not None
    return row


class Service:
    """What a web handler calls: one pooled tenant connection per request."""

    def __init__(self, dsn: str, max_size: int = 10) -> None:
        self.pool = TenantPool(dsn, min_size=1, max_size=max_size)

    def dashboard(self, organization_id: uuid.UUID, user_id: uuid.UUID | None) -> list[WorkOrder]:
        with self.pool.connection(organization_id, user_id) as conn:
            return open_work_orders(conn)

    def report(
        self, organization_id: uuid.UUID, user_id: uuid.UUID | None, title: str
    ) -> WorkOrder:
        with self.pool.connection(organization_id, user_id) as conn:
            return create_work_order(conn, title, "high")

    def close(self) -> None:
        self.pool.close()
