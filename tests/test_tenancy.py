"""Tenant isolation, proven generically over the catalog: every tenant table, present and
future, gets the same attacks. A table added later without a row factory below fails here.
What the catalog shows (RLS forced, policies, owners, search paths, audit triggers) is
`cmmsdb verify`'s to check (tests/test_verify.py); here is what a tenant can do."""

from __future__ import annotations

import json
import uuid
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import errors, sql

from cmmsdb import conventions
from cmmsdb.catalog import tenant_tables
from tests.rows import make_row, new_org

Conn = psycopg.Connection[Any]


def tenant_key(table: str) -> str:
    return "id" if table == conventions.TENANT_ROOT else conventions.TENANT_KEY


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture
def tables(admin: Conn) -> list[str]:
    return tenant_tables(admin)


@pytest.fixture
def world(admin: Conn, tables: list[str]) -> dict[str, Any]:
    """Organizations A and B, each with one row in every tenant table."""
    orgs = {"A": new_org(admin, "Alpha"), "B": new_org(admin, "Beta")}
    rows = {
        (table, name): make_row(admin, table, org) for table in tables for name, org in orgs.items()
    }
    return {"orgs": orgs, "rows": rows}


# --- the catalog carries the pattern on every tenant table ---------------------------------


def test_every_tenant_table_gets_rows_of_both_tenants_for_these_tests(
    tables: list[str], world: dict[str, Any]
) -> None:
    assert {"organizations", "users", "user_sessions", "activity_logs"} <= set(tables)
    assert set(world["rows"]) == {(table, name) for table in tables for name in "AB"}


def test_the_definer_owners_own_exactly_the_functions_the_conventions_list(admin: Conn) -> None:
    """Ownership itself is verify's rule `owner`; which functions run as a definer owner (and
    so may read through its open policies) is listed in conventions.toml, reviewed."""
    owned = admin.execute(
        "SELECT proowner::regrole::text, proname FROM pg_proc"
        " WHERE pronamespace = 'cmms'::regnamespace AND proowner::regrole::text = ANY (%s)",
        [list(conventions.DEFINER_OWNERS)],
    ).fetchall()
    assert owned
    for role, function in owned:
        assert function in conventions.DEFINER_FUNCTIONS[role], (role, function)


# --- behaviour: what a tenant can and cannot do, for every table ----------------------------


def writable_columns(admin: Conn, table: str) -> list[str]:
    return [
        name
        for (name,) in admin.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
            " AND NOT attisdropped AND attgenerated = '' AND attidentity = '' ORDER BY attnum",
            [f"cmms.{table}"],
        )
    ]


def copy_row(admin: Conn, table: str, row_id: uuid.UUID, changes: dict[str, Any]) -> str:
    """JSON of an existing row with `changes` applied (a new id, another tenant...)."""
    (row,) = admin.execute(
        sql.SQL("SELECT to_jsonb(t) FROM cmms.{} AS t WHERE t.id = %s").format(
            sql.Identifier(table)
        ),
        [row_id],
    ).fetchone() or (None,)
    assert row is not None
    return json.dumps({**row, **changes}, default=str)


def try_insert(app: Conn, admin: Conn, table: str, document: str) -> None:
    columns = writable_columns(admin, table)
    app.execute(
        sql.SQL(
            "INSERT INTO cmms.{t} ({c}) SELECT {c} FROM jsonb_populate_record(NULL::cmms.{t}, %s)"
        ).format(t=sql.Identifier(table), c=sql.SQL(", ").join(map(sql.Identifier, columns))),
        [document],
    )


def visible(app: Conn, table: str, key: str, org: uuid.UUID) -> int:
    row = app.execute(
        sql.SQL("SELECT count(*) FROM cmms.{} WHERE {} = %s").format(
            sql.Identifier(table), sql.Identifier(key)
        ),
        [org],
    ).fetchone()
    assert row is not None
    return int(row[0])


ATTACKS = ("select", "insert", "update", "delete")
CONTEXTS = ("A", None)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_no_tenant_reads_or_writes_another_tenants_rows(
    data: st.DataObject, admin: Conn, app: Conn, tables: list[str], world: dict[str, Any]
) -> None:
    table = data.draw(st.sampled_from(tables), label="table")
    attack = data.draw(st.sampled_from(ATTACKS), label="attack")
    context = data.draw(st.sampled_from(CONTEXTS), label="context")
    orgs, rows = world["orgs"], world["rows"]
    key = tenant_key(table)
    victim = orgs["B"]
    try:
        with app.transaction():
            if context:
                app.execute("SELECT cmms.set_context(%s, NULL)", [orgs[context]])
                assert visible(app, table, key, orgs[context]) >= 1, "own rows must be visible"
            if attack == "select":
                assert visible(app, table, key, victim) == 0
            elif attack == "insert":
                document = copy_row(admin, table, rows[(table, "B")], {"id": str(uuid.uuid4())})
                with pytest.raises(errors.InsufficientPrivilege):
                    try_insert(app, admin, table, document)
            elif attack == "update":
                update = sql.SQL("UPDATE cmms.{} SET {} = %s WHERE id = %s").format(
                    sql.Identifier(table), sql.Identifier(key)
                )
                if context:
                    with pytest.raises(errors.InsufficientPrivilege):
                        app.execute(update, [victim, rows[(table, "A")]])
                else:
                    assert app.execute(update, [victim, rows[(table, "A")]]).rowcount == 0
            else:
                done = app.execute(
                    sql.SQL("DELETE FROM cmms.{} WHERE {} = %s").format(
                        sql.Identifier(table), sql.Identifier(key)
                    ),
                    [victim],
                )
                assert done.rowcount == 0
            raise _Rollback
    except _Rollback:
        pass
    except errors.InsufficientPrivilege:
        # No privilege at all is as good as a refused row (activity_logs, organizations DELETE).
        assert attack in ("insert", "update", "delete")
    assert visible(admin, table, key, victim) >= 1, "the victim's rows are intact"


class _Rollback(Exception):
    """Leaves the app's transaction rolled back after each attempt."""


def test_without_context_nothing_is_visible_and_nothing_can_be_written(
    admin: Conn, app: Conn, tables: list[str], world: dict[str, Any]
) -> None:
    for table in tables:
        row = app.execute(sql.SQL("SELECT count(*) FROM cmms.{}").format(sql.Identifier(table)))
        assert row.fetchone() == (0,), table
    app.rollback()
    document = copy_row(admin, "users", world["rows"][("users", "A")], {"id": str(uuid.uuid4())})
    with pytest.raises(errors.InsufficientPrivilege):
        try_insert(app, admin, "users", document)


def test_the_context_is_transaction_local(app: Conn, world: dict[str, Any]) -> None:
    app.execute("SELECT cmms.set_context(%s, NULL)", [world["orgs"]["A"]])
    assert app.execute("SELECT count(*) FROM cmms.organizations").fetchone() == (1,)
    app.commit()
    assert app.execute("SELECT cmms.current_org_id()").fetchone() == (None,)
    assert app.execute("SELECT count(*) FROM cmms.organizations").fetchone() == (0,)


def test_a_tenant_sees_exactly_its_own_rows(
    app: Conn, tables: list[str], world: dict[str, Any]
) -> None:
    app.execute("SELECT cmms.set_context(%s, NULL)", [world["orgs"]["A"]])
    for table in tables:
        key = sql.Identifier(tenant_key(table))
        seen = app.execute(
            sql.SQL("SELECT DISTINCT {} FROM cmms.{}").format(key, sql.Identifier(table))
        ).fetchall()
        assert seen == [(world["orgs"]["A"],)], table


def test_deleting_an_organization_deletes_its_rows_everywhere_and_nothing_else(
    admin: Conn, tables: list[str], world: dict[str, Any]
) -> None:
    """Every foreign key's ON DELETE lets the cascade through (a RESTRICT between two tenant
    tables would stop it, depending on the order the cascade reaches them)."""
    gone, kept = world["orgs"]["A"], world["orgs"]["B"]
    admin.execute("DELETE FROM cmms.organizations WHERE id = %s", [gone])
    for table in set(tables) - {"activity_logs"}:  # the audit trail outlives its subject
        key = sql.Identifier(tenant_key(table))
        count = sql.SQL(
            "SELECT count(*) FILTER (WHERE {k} = %s), count(*) FILTER (WHERE {k} = %s)"
            " FROM cmms.{t}"
        ).format(k=key, t=sql.Identifier(table))
        remaining, other = admin.execute(count, [gone, kept]).fetchone() or (None, None)
        assert (remaining, other > 0) == (0, True), table


def test_set_context_refuses_a_null_organization(app: Conn) -> None:
    with pytest.raises(errors.NullValueNotAllowed):
        app.execute("SELECT cmms.set_context(NULL, NULL)")


def test_created_by_defaults_to_the_user_of_the_context(
    admin: Conn, app: Conn, world: dict[str, Any]
) -> None:
    actor = world["rows"][("users", "A")]
    app.execute("SELECT cmms.set_context(%s, %s)", [world["orgs"]["A"], actor])
    (new_user,) = app.execute(
        "INSERT INTO cmms.users (organization_id, email, full_name)"
        " VALUES (cmms.current_org_id(), 'new@example.com', 'New') RETURNING created_by"
    ).fetchone() or (None,)
    app.commit()
    assert new_user == actor


def test_soft_delete_views_show_only_the_tenants_live_rows(
    admin: Conn, app: Conn, world: dict[str, Any]
) -> None:
    admin.execute(
        "UPDATE cmms.users SET deleted_at = now() WHERE id = %s", [world["rows"][("users", "A")]]
    )
    app.execute("SELECT cmms.set_context(%s, NULL)", [world["orgs"]["A"]])
    live = app.execute("SELECT organization_id, deleted_at FROM cmms.active_users").fetchall()
    assert live, "the tenant's other users are visible"
    assert {org for org, _ in live} == {world["orgs"]["A"]}
    assert all(deleted is None for _, deleted in live)
