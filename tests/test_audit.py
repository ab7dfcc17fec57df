"""The audit trail: one correct record per change, written by the generic trigger, and
append-only for every role; retention only detaches whole partitions."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import errors, sql
from psycopg.conninfo import make_conninfo

Conn = psycopg.Connection[Any]


@pytest.fixture
def login(migrated_db: str, admin: Conn) -> Iterator[Any]:
    """Make login roles that are members of a cmms role; dropped afterwards."""
    made: list[str] = []

    def make(group: str) -> str:
        role = f"cmms_test_{group}_{uuid.uuid4().hex[:8]}"
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN IN ROLE {}").format(
                sql.Identifier(role), sql.Identifier(group)
            )
        )
        made.append(role)
        return make_conninfo(migrated_db, user=role)

    yield make
    for role in made:
        admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.fixture
def tenant(admin: Conn) -> dict[str, uuid.UUID]:
    (org,) = admin.execute(
        "INSERT INTO cmms.organizations (name, slug) VALUES ('Acme', 'acme') RETURNING id"
    ).fetchone() or (None,)
    (actor,) = admin.execute(
        "INSERT INTO cmms.users (organization_id, email, full_name)"
        " VALUES (%s, 'boss@acme.io', 'Boss') RETURNING id",
        [org],
    ).fetchone() or (None,)
    return {"org": org, "actor": actor}


def records(admin: Conn, row_id: uuid.UUID) -> list[tuple[Any, ...]]:
    return admin.execute(
        "SELECT action, actor_id, table_name, organization_id, changed_columns, old_values,"
        " new_values FROM cmms.activity_logs WHERE row_id = %s ORDER BY created_at",
        [row_id],
    ).fetchall()


def test_insert_update_delete_each_leave_exactly_one_correct_record(
    admin: Conn, login: Any, tenant: dict[str, uuid.UUID]
) -> None:
    org, actor = tenant["org"], tenant["actor"]
    with psycopg.connect(login("cmms_app")) as app:
        app.execute("SELECT cmms.set_context(%s, %s)", [org, actor])
        (user_id,) = app.execute(
            "INSERT INTO cmms.users (organization_id, email, full_name, password_hash)"
            " VALUES (%s, 'tech@acme.io', 'Tech', 'hash-1') RETURNING id",
            [org],
        ).fetchone() or (None,)
        app.commit()
        app.execute("SELECT cmms.set_context(%s, %s)", [org, actor])
        app.execute("UPDATE cmms.users SET job_title = 'Lead' WHERE id = %s", [user_id])
        app.commit()
        app.execute("SELECT cmms.set_context(%s, %s)", [org, actor])
        app.execute("DELETE FROM cmms.users WHERE id = %s", [user_id])
        app.commit()

    inserted, updated, deleted = records(admin, user_id)
    assert inserted[:4] == ("insert", actor, "users", org)
    assert inserted[6]["email"] == "tech@acme.io"
    assert inserted[6]["password_hash"] == "[redacted]"
    assert inserted[5] is None
    assert updated[:5] == ("update", actor, "users", org, ["job_title"])
    assert updated[5:] == ({"job_title": None}, {"job_title": "Lead"})
    assert deleted[:4] == ("delete", actor, "users", org)
    assert deleted[5]["job_title"] == "Lead"
    assert deleted[6] is None


def test_multi_row_statements_leave_one_record_per_row_with_its_own_values(
    admin: Conn, login: Any, tenant: dict[str, uuid.UUID]
) -> None:
    """The triggers run once per statement: each row still gets its own record, an update's
    rows are paired with their own old values, and secrets are redacted in every record."""
    org, actor = tenant["org"], tenant["actor"]
    with psycopg.connect(login("cmms_app")) as app:
        app.execute("SELECT cmms.set_context(%s, %s)", [org, actor])
        ids = [
            row[0]
            for row in app.execute(
                "INSERT INTO cmms.users (organization_id, email, full_name, password_hash)"
                " SELECT %s, 'tech' || g || '@acme.io', 'Tech ' || g, 'hash-' || g"
                " FROM generate_series(1, 3) AS g RETURNING id",
                [org],
            )
        ]
        app.execute(
            "UPDATE cmms.users SET job_title = 'Lead of ' || full_name, password_hash = 'new'"
            " WHERE id = ANY(%s)",
            [ids],
        )
        app.execute("UPDATE cmms.users SET full_name = full_name WHERE id = ANY(%s)", [ids])
        app.execute("DELETE FROM cmms.users WHERE id = ANY(%s)", [ids])
        app.commit()

    for number, user_id in enumerate(ids, start=1):
        inserted, updated, unchanged, deleted = records(admin, user_id)
        assert inserted[0] == "insert"
        assert inserted[6]["email"] == f"tech{number}@acme.io"
        assert inserted[6]["password_hash"] == "[redacted]"
        assert updated[4] == ["job_title", "password_hash"]
        assert updated[5:] == (
            {"job_title": None, "password_hash": "[redacted]"},
            {"job_title": f"Lead of Tech {number}", "password_hash": "[redacted]"},
        )
        assert unchanged[0] == "update"
        assert unchanged[4:] == ([], {}, {})
        assert deleted[0] == "delete"
        assert deleted[5]["full_name"] == f"Tech {number}"
        assert deleted[5]["password_hash"] == "[redacted]"


def test_temporary_tables_named_like_the_transition_tables_change_no_record(
    admin: Conn, login: Any, tenant: dict[str, uuid.UUID]
) -> None:
    """The attack on a definer trigger that reads new_rows and old_rows without a schema: a
    login's temporary tables of those names. PostgreSQL resolves the transition tables
    first, so the records are the statement's rows, not the forged ones."""
    org, actor = tenant["org"], tenant["actor"]
    forged = uuid.uuid4()
    with psycopg.connect(login("cmms_app")) as app:
        for name in ("new_rows", "old_rows"):
            app.execute(
                sql.SQL("CREATE TEMP TABLE {} AS SELECT * FROM cmms.users LIMIT 0").format(
                    sql.Identifier(name)
                )
            )
            app.execute(
                sql.SQL(
                    "INSERT INTO {} (organization_id, id, email, email_key, full_name)"
                    " VALUES (%s, %s, 'forged@acme.io', 'forged@acme.io', 'Forged')"
                ).format(sql.Identifier(name)),
                [org, forged],
            )
        app.execute("SELECT cmms.set_context(%s, %s)", [org, actor])
        (user_id,) = app.execute(
            "INSERT INTO cmms.users (organization_id, email, full_name)"
            " VALUES (%s, 'real@acme.io', 'Real') RETURNING id",
            [org],
        ).fetchone() or (None,)
        app.execute("UPDATE cmms.users SET job_title = 'Lead' WHERE id = %s", [user_id])
        app.commit()

    assert records(admin, forged) == []
    inserted, updated = records(admin, user_id)
    assert inserted[6]["email"] == "real@acme.io"
    assert updated[4:] == (["job_title"], {"job_title": None}, {"job_title": "Lead"})


def test_changes_to_organizations_are_audited_under_their_own_id(
    admin: Conn, tenant: dict[str, uuid.UUID]
) -> None:
    admin.execute(
        "UPDATE cmms.organizations SET plan = 'enterprise' WHERE id = %s", [tenant["org"]]
    )

    (*_, last) = records(admin, tenant["org"])
    assert last[0] == "update"
    assert last[3] == tenant["org"]
    assert last[4] == ["plan"]
    assert last[1] is None  # a DBA without a tenant context


def test_a_partitioned_table_is_audited_under_its_own_name_without_generated_columns(
    admin: Conn, tenant: dict[str, uuid.UUID]
) -> None:
    (work_order,) = admin.execute(
        "INSERT INTO cmms.work_orders (organization_id, title) VALUES (%s, 'Fix pump')"
        " RETURNING id",
        [tenant["org"]],
    ).fetchone() or (None,)
    admin.execute("UPDATE cmms.work_orders SET priority = 'urgent' WHERE id = %s", [work_order])

    inserted, updated = records(admin, work_order)
    assert inserted[2] == updated[2] == "work_orders"
    assert inserted[6]["title"] == "Fix pump"
    assert {"search_vector", "reference", "priority_rank"}.isdisjoint(inserted[6])
    assert updated[4:] == (["priority"], {"priority": "medium"}, {"priority": "urgent"})


def test_the_application_reads_only_its_own_audit_records(
    admin: Conn, login: Any, tenant: dict[str, uuid.UUID]
) -> None:
    (other,) = admin.execute(
        "INSERT INTO cmms.organizations (name, slug) VALUES ('Other', 'other') RETURNING id"
    ).fetchone() or (None,)
    with psycopg.connect(login("cmms_readonly")) as reader:
        reader.execute("SELECT cmms.set_context(%s, NULL)", [tenant["org"]])
        seen = reader.execute("SELECT DISTINCT organization_id FROM cmms.activity_logs").fetchall()
    assert seen == [(tenant["org"],)]
    assert records(admin, other)


CHANGES = {
    "update": "UPDATE cmms.activity_logs SET action = 'insert'",
    "delete": "DELETE FROM cmms.activity_logs",
    "truncate": "TRUNCATE cmms.activity_logs",
}


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("who", ["cmms_app", "cmms_readonly", "cmms_owner", "superuser"])
def test_activity_logs_are_append_only_for_every_role(
    admin: Conn, login: Any, tenant: dict[str, uuid.UUID], who: str, change: str
) -> None:
    before = admin.execute("SELECT count(*) FROM cmms.activity_logs").fetchone()
    dsn = admin.info.dsn if who == "superuser" else None
    with psycopg.connect(dsn or login("cmms_app" if who == "cmms_owner" else who)) as conn:
        if who == "cmms_owner":
            admin.execute(sql.SQL("GRANT cmms_owner TO {}").format(sql.Identifier(conn.info.user)))
            conn.execute("SET ROLE cmms_owner")
        conn.execute("SELECT cmms.set_context(%s, NULL)", [tenant["org"]])
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(CHANGES[change])
    assert admin.execute("SELECT count(*) FROM cmms.activity_logs").fetchone() == before


def test_a_partition_cannot_be_truncated_directly(admin: Conn) -> None:
    partitions = admin.execute(
        "SELECT inhrelid::regclass::text FROM pg_inherits"
        " WHERE inhparent = 'cmms.activity_logs'::regclass"
    ).fetchall()
    assert len(partitions) >= 5  # the default partition and four months
    for (partition,) in partitions:
        with pytest.raises(errors.InsufficientPrivilege, match="append-only"):
            admin.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(partition)))


def test_retention_detaches_a_whole_partition(admin: Conn, tenant: dict[str, uuid.UUID]) -> None:
    (partition,) = admin.execute(
        "SELECT tableoid::regclass::text FROM cmms.activity_logs WHERE organization_id = %s"
        " LIMIT 1",
        [tenant["org"]],
    ).fetchone() or (None,)
    admin.execute(
        sql.SQL("ALTER TABLE cmms.activity_logs DETACH PARTITION {}").format(sql.SQL(partition))
    )
    admin.execute(sql.SQL("ALTER TABLE {} SET SCHEMA cmms_archive").format(sql.SQL(partition)))

    assert admin.execute(
        "SELECT count(*) FROM cmms.activity_logs WHERE organization_id = %s", [tenant["org"]]
    ).fetchone() == (0,)
    archived = partition.replace("cmms.", "cmms_archive.")
    assert admin.execute(
        sql.SQL("SELECT count(*) > 0 FROM {}").format(sql.SQL(archived))
    ).fetchone() == (True,)
