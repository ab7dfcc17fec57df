"""One valid row of any tenant table, for the tests that must cover every table.

Driven by the catalog: required columns get a value of their type (the first value a
`col IN (...)` CHECK allows), required composite foreign keys get a parent row made the
same way, in the same organization. A table whose rules the catalog cannot express
(a CHECK across columns, a polymorphic reference...) gets an entry in OVERRIDES; a new
table that needs one and lacks it fails the tenancy tests, which is the point.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

Conn = psycopg.Connection[Any]
Value = Any | Callable[[Conn, uuid.UUID], Any]

REQUIRED_COLUMNS = """
    SELECT a.attname, format_type(a.atttypid, a.atttypmod)
    FROM pg_attribute AS a
    WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
      AND a.attnotnull AND NOT a.atthasdef AND a.attgenerated = '' AND a.attidentity = ''
    ORDER BY a.attnum
"""
FOREIGN_KEYS = """
    SELECT array_agg(a.attname ORDER BY k.n), c.confrelid::regclass::text
    FROM pg_constraint AS c
    CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
    JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
    WHERE c.conrelid = %s::regclass AND c.contype = 'f'
    GROUP BY c.oid, c.confrelid
"""
CHECKS = """
    SELECT pg_get_constraintdef(oid) FROM pg_constraint
    WHERE conrelid = %s::regclass AND contype = 'c'
"""
ALLOWED = re.compile(r"\(?(\w+) = ANY \(ARRAY\['((?:[^']|'')*)'")


def _user(conn: Conn, org: uuid.UUID) -> uuid.UUID:
    return insert(
        conn,
        "users",
        {
            "organization_id": org,
            "email": f"{uuid.uuid4().hex[:10]}@example.com",
            "full_name": "Test User",
            "password_hash": "$argon2id$secret",
        },
    )


def _activity(conn: Conn, org: uuid.UUID) -> uuid.UUID:
    _user(conn, org)  # the audit trigger writes the row
    row = conn.execute(
        "SELECT id FROM cmms.activity_logs WHERE organization_id = %s LIMIT 1", [org]
    ).fetchone()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


MAKERS: dict[str, Callable[[Conn, uuid.UUID], uuid.UUID]] = {
    "organizations": lambda conn, org: org,
    "users": _user,
    "activity_logs": _activity,
}
OVERRIDES: dict[str, dict[str, Value]] = {
    "user_sessions": {"refresh_token_hash": lambda conn, org: uuid.uuid4().hex},
    "teams": {"lead_user_id": lambda conn, org: make_row(conn, "users", org)},
    "work_orders": {"number": None},  # given by the numbering trigger
    "pm_schedules": {"calendar_interval": timedelta(days=90)},
    "purchase_orders": {"number": None},  # given by the numbering trigger
    "custom_fields": {"key": lambda conn, org: f"field_{uuid.uuid4().hex[:8]}"},
    "i18n_overrides": {"locale": "en"},
    "role_permission_overrides": {"permission": "user.erase"},  # a name of cmms.permissions
    "attachments": {"content_type": "application/pdf"},
    "work_requests": {"requester_name": "Test Requester"},  # a request names its requester
    "checklists": {"work_order_id": lambda conn, org: make_row(conn, "work_orders", org)},
    # a value fits its field (text, of a work order) and is on a live record of the field's kind
    "custom_field_values": {
        "entity_id": lambda conn, org: make_row(conn, "work_orders", org),
        "value": Jsonb("value"),
    },
    "rules_engine": {"action_type": "set_priority", "action_params": Jsonb({"priority": "high"})},
}


def new_org(conn: Conn, name: str = "Acme") -> uuid.UUID:
    """A new organization (a unique slug from `name`) and its id."""
    return insert(
        conn, "organizations", {"name": name, "slug": f"{name.lower()}-{uuid.uuid4().hex[:8]}"}
    )


def make_row(conn: Conn, table: str, org: uuid.UUID) -> uuid.UUID:
    """Insert one valid row of cmms.`table` for organization `org` and return its id."""
    if table in MAKERS:
        return MAKERS[table](conn, org)
    values: dict[str, Any] = {"organization_id": org}
    for column, value in OVERRIDES.get(table, {}).items():
        values[column] = value(conn, org) if callable(value) else value
    required = dict(conn.execute(REQUIRED_COLUMNS, [f"cmms.{table}"]).fetchall())
    for columns, parent in conn.execute(FOREIGN_KEYS, [f"cmms.{table}"]).fetchall():
        missing = [c for c in columns if c not in values]
        if missing and all(c in required for c in missing):
            (reference,) = [c for c in columns if c != "organization_id"] or [None]
            if reference is not None:
                values[reference] = make_row(conn, parent.removeprefix("cmms."), org)
    allowed = _allowed_values(conn, table)
    for column, type_name in required.items():
        if column not in values:
            values[column] = allowed.get(column) or _value_of(type_name, column)
    return insert(conn, table, values)


def insert(conn: Conn, table: str, values: dict[str, Any]) -> uuid.UUID:
    statement = sql.SQL("INSERT INTO cmms.{} ({}) VALUES ({}) RETURNING id").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, values)),
        sql.SQL(", ").join(sql.Placeholder() * len(values)),
    )
    row = conn.execute(statement, list(values.values())).fetchone()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


def _allowed_values(conn: Conn, table: str) -> dict[str, str]:
    """The first value each `column IN (...)` CHECK of the table allows."""
    found: dict[str, str] = {}
    for (definition,) in conn.execute(CHECKS, [f"cmms.{table}"]).fetchall():
        for column, value in ALLOWED.findall(definition):
            found.setdefault(column, value.replace("''", "'"))
    return found


def _value_of(type_name: str, column: str) -> Any:
    if type_name.endswith("[]"):
        return []
    if type_name in ("uuid",):
        return uuid.uuid4()
    if type_name in ("integer", "bigint", "smallint") or type_name.startswith("numeric"):
        return 1
    if type_name in ("double precision", "real"):
        return 1.0
    if type_name == "boolean":
        return False
    if type_name.startswith("timestamp"):
        return datetime.now(UTC) + timedelta(days=1)  # after created_at, as expiries are
    if type_name == "date":
        return date.today()
    if type_name in ("jsonb", "json"):
        return Jsonb({})
    return f"{column} {uuid.uuid4().hex[:8]}"
