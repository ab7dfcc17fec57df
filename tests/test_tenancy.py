"""Tenant isolation, proven generically over the catalog: every tenant table, present and
future, gets the same checks. A table added later without a row factory below fails here."""

from __future__ import annotations

import json
import uuid
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import errors, sql

from tests.rows import make_row, new_org

Conn = psycopg.Connection[Any]

TENANT_TABLES = """
    SELECT c.relname FROM pg_class c
    WHERE c.relnamespace = 'cmms'::regnamespace AND c.relkind IN ('r', 'p')
      AND NOT c.relispartition AND (c.relname = 'organizations' OR EXISTS (
            SELECT 1 FROM pg_attribute a
            WHERE a.attrelid = c.oid AND a.attname = 'organization_id'))
    ORDER BY 1
"""
NOT_AUDITED = {"activity_logs", "user_sessions", "notifications", "dashboard_metrics_cache"}


def tenant_key(table: str) -> str:
    return "id" if table == "organizations" else "organization_id"


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture
def tables(admin: Conn) -> list[str]:
    return [name for (name,) in admin.execute(TENANT_TABLES)]


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


def test_rls_is_enabled_and_forced_on_every_tenant_table(admin: Conn, tables: list[str]) -> None:
    flags = dict(
        admin.execute(
            "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class"
            " WHERE relnamespace = 'cmms'::regnamespace AND relname = ANY(%s)",
            [tables],
        ).fetchall()
    )
    assert flags == dict.fromkeys(tables, True)


def test_policies_compare_the_tenant_key_with_the_context_once_per_statement(
    admin: Conn, tables: list[str]
) -> None:
    for table in tables:
        policies = admin.execute(
            "SELECT cmd, roles::text[], qual, with_check FROM pg_policies"
            " WHERE schemaname = 'cmms' AND tablename = %s",
            [table],
        ).fetchall()
        assert {cmd for cmd, *_ in policies} >= {"SELECT", "INSERT"}, table
        expected = f"({tenant_key(table)} = ( SELECT cmms.current_org_id() AS current_org_id))"
        for cmd, roles, qual, check in policies:
            assert "public" not in roles, (table, cmd)
            if roles == ["cmms_search"]:  # see test_every_object_in_cmms_is_owned_by_cmms_owner
                assert (table, cmd, qual) in {
                    ("work_orders", "SELECT", "true"),
                    ("assets", "SELECT", "true"),
                }
                continue
            if cmd != "INSERT":
                assert qual == expected, (table, cmd, qual)
            if cmd in ("INSERT", "UPDATE") and not (table == "activity_logs" and cmd == "INSERT"):
                assert check == expected, (table, cmd, check)


def test_application_roles_never_bypass_rls_and_get_no_grant_on_partitions(admin: Conn) -> None:
    bypass = admin.execute(
        "SELECT rolname FROM pg_roles WHERE rolname LIKE 'cmms\\_%' AND (rolbypassrls OR rolsuper)"
    ).fetchall()
    assert bypass == []
    granted = admin.execute(
        """SELECT c.relname, g.grantee FROM pg_class c
           JOIN LATERAL aclexplode(c.relacl) AS a ON true
           JOIN LATERAL (SELECT a.grantee::regrole::text AS grantee) AS g ON true
           WHERE c.relispartition AND c.relnamespace = 'cmms'::regnamespace
             AND g.grantee IN ('cmms_app', 'cmms_readonly')"""
    ).fetchall()
    assert granted == []


def test_every_object_in_cmms_is_owned_by_cmms_owner(admin: Conn) -> None:
    owners = admin.execute(
        """SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class
           WHERE relnamespace = 'cmms'::regnamespace
           UNION SELECT DISTINCT pg_get_userbyid(proowner) FROM pg_proc
           WHERE pronamespace = 'cmms'::regnamespace
             AND proowner NOT IN ('cmms_search'::regrole, 'cmms_audit'::regrole)
           UNION SELECT pg_get_userbyid(nspowner) FROM pg_namespace
           WHERE nspname IN ('cmms', 'cmms_archive')"""
    ).fetchall()
    assert owners == [("cmms_owner",)]
    # The exceptions: the search functions run as cmms_search, whose SELECT policies on the
    # searched tables are USING (true), so that @@ (not leakproof) can use its index; they
    # filter by the tenant context themselves. The audit trail is written and erased only
    # by the functions of cmms_audit (0088).
    definers = admin.execute(
        "SELECT proowner::regrole::text, proname, prosecdef FROM pg_proc"
        " WHERE pronamespace = 'cmms'::regnamespace"
        " AND proowner IN ('cmms_search'::regrole, 'cmms_audit'::regrole) ORDER BY 1, 2"
    ).fetchall()
    assert definers == [
        ("cmms_audit", "audit_row_change", True),
        ("cmms_audit", "erase_audit_values", True),
        ("cmms_search", "search_assets", True),
        ("cmms_search", "search_work_orders", True),
    ]


def test_every_function_puts_pg_catalog_first_and_pg_temp_last(admin: Conn) -> None:
    """An empty search path still searches pg_temp first for types and relations: every
    function (the two inlinable context readers excepted) names pg_catalog first and
    pg_temp last (tests/security/ attacks them)."""
    loose = admin.execute(
        """SELECT proname FROM pg_proc WHERE pronamespace = 'cmms'::regnamespace
           AND proname NOT IN ('current_org_id', 'current_user_id')
           AND NOT coalesce((SELECT c ~ '^search_path=pg_catalog, .*pg_temp$'
                             FROM unnest(proconfig) AS c WHERE c LIKE 'search_path=%'), false)"""
    ).fetchall()
    assert loose == []


def test_every_audited_table_has_the_audit_trigger(admin: Conn, tables: list[str]) -> None:
    audited = {
        name
        for (name,) in admin.execute(
            """SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
               WHERE t.tgfoid = 'cmms.audit_row_change'::regproc AND NOT t.tgisinternal
                 AND NOT c.relispartition"""
        )
    }
    assert audited == set(tables) - NOT_AUDITED


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
