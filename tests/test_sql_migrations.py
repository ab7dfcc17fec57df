"""The shipped migrations: each rollback restores the exact previous catalog, and the
schema they build follows the data-model rules of DESIGN.md."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from cmmsdb import migrator
from cmmsdb.catalog import diff, snapshot
from cmmsdb.migrations import discover
from cmmsdb.target import Target
from tests.conftest import MIGRATIONS


def catalog(dsn: str) -> dict[str, Any]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return snapshot(conn)


def test_every_migration_up_then_down_restores_the_exact_catalog(empty_db: str) -> None:
    target = Target(empty_db, "test")
    for migration in discover(MIGRATIONS):
        before = catalog(empty_db)
        migrator.migrate(target, MIGRATIONS, to=migration.id)
        after_up = catalog(empty_db)
        assert after_up != before, f"{migration.id} changed nothing"

        migrator.rollback(target, MIGRATIONS, steps=1)
        assert diff(before, catalog(empty_db)) == [], f"rollback of {migration.id}"

        migrator.migrate(target, MIGRATIONS, to=migration.id)
        assert diff(after_up, catalog(empty_db)) == [], f"re-apply of {migration.id}"


def test_rollback_all_leaves_nothing_in_cmms(migrated_db: str) -> None:
    migrator.rollback(Target(migrated_db, "test"), MIGRATIONS, everything=True)

    shape = catalog(migrated_db)
    assert [name for name in shape["schemas"] if name.startswith("cmms")] == []
    assert shape["tables"] == {}
    assert shape["functions"] == {}


@pytest.fixture
def conn(migrated_db: str):
    with psycopg.connect(migrated_db, autocommit=True) as connection:
        yield connection


def rows(conn: psycopg.Connection[Any], sql: str) -> list[tuple[Any, ...]]:
    return conn.execute(sql).fetchall()


TABLES = """
    SELECT c.oid::regclass::text FROM pg_class c
    WHERE c.relnamespace = 'cmms'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
"""


def test_nothing_is_created_in_public(conn) -> None:
    assert (
        rows(conn, "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace") == []
    )


def test_every_table_has_a_comment(conn) -> None:
    missing = rows(
        conn, f"SELECT t FROM ({TABLES}) AS x(t) WHERE obj_description(t::regclass) IS NULL"
    )
    assert missing == []


def test_tenant_tables_key_on_organization_then_id(conn) -> None:
    tenant = rows(
        conn,
        f"""SELECT t, pg_get_constraintdef(k.oid) FROM ({TABLES}) AS x(t)
            JOIN pg_constraint k ON k.conrelid = t::regclass AND k.contype = 'p'
            WHERE EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = t::regclass
                          AND a.attname = 'organization_id')""",
    )
    assert {t for t, _ in tenant} >= {"cmms.users", "cmms.user_sessions"}
    for table, key in tenant:
        # A partitioned table's key must also hold its partition key: it may only append.
        assert key == "PRIMARY KEY (organization_id, id)" or (
            table in partitioned(conn) and key.startswith("PRIMARY KEY (organization_id, id, ")
        ), (table, key)


def partitioned(conn) -> set[str]:
    return {t for (t,) in rows(conn, "SELECT partrelid::regclass::text FROM pg_partitioned_table")}


def test_every_table_has_the_audit_columns_as_timestamptz(conn) -> None:
    wanted = {"created_at", "updated_at", "deleted_at", "created_by", "updated_by"}
    for (table,) in rows(conn, TABLES):
        columns = {
            name
            for (name,) in rows(
                conn, f"SELECT attname FROM pg_attribute WHERE attrelid = '{table}'::regclass"
            )
        }
        assert wanted <= columns, table
    naive = rows(
        conn,
        """SELECT table_name, column_name FROM information_schema.columns
           WHERE table_schema = 'cmms' AND data_type = 'timestamp without time zone'""",
    )
    assert naive == []


def test_every_foreign_key_has_an_index_leading_with_its_columns(conn) -> None:
    unindexed = rows(
        conn,
        """SELECT k.conname FROM pg_constraint k
           WHERE k.contype = 'f' AND k.connamespace = 'cmms'::regnamespace
             AND NOT EXISTS (
               SELECT 1 FROM pg_index i WHERE i.indrelid = k.conrelid
                 AND (i.indkey::int2[])[0:cardinality(k.conkey) - 1] = k.conkey)""",
    )
    assert unindexed == []


def test_foreign_keys_between_tenant_tables_are_composite(conn) -> None:
    single = rows(
        conn,
        """SELECT k.conname FROM pg_constraint k
           JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attname = 'organization_id'
           WHERE k.contype = 'f' AND k.connamespace = 'cmms'::regnamespace
             AND cardinality(k.conkey) < 2""",
    )
    assert single == []


def test_updated_at_is_maintained_by_trigger(conn) -> None:
    with conn.transaction():
        org = conn.execute(
            "INSERT INTO cmms.organizations (name, slug) VALUES ('Acme', 'acme')"
            " RETURNING id, updated_at"
        ).fetchone()
    conn.execute("UPDATE cmms.organizations SET name = 'Acme Ltd' WHERE id = %s", [org[0]])
    (updated_at,) = conn.execute(
        "SELECT updated_at FROM cmms.organizations WHERE id = %s", [org[0]]
    ).fetchone()
    assert updated_at > org[1]


def test_email_is_unique_per_organization_case_insensitively(conn) -> None:
    (org,) = conn.execute(
        "INSERT INTO cmms.organizations (name, slug) VALUES ('A', 'a') RETURNING id"
    ).fetchone()
    (other,) = conn.execute(
        "INSERT INTO cmms.organizations (name, slug) VALUES ('B', 'b') RETURNING id"
    ).fetchone()
    insert = "INSERT INTO cmms.users (organization_id, email, full_name) VALUES (%s, %s, 'X')"
    conn.execute(insert, [org, "Ann@Example.com"])
    conn.execute(insert, [other, "ann@example.com"])
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(insert, [org, "ann@example.COM"])


def test_a_session_cannot_reference_a_user_of_another_organization(conn) -> None:
    (a,) = conn.execute(
        "INSERT INTO cmms.organizations (name, slug) VALUES ('A', 'a') RETURNING id"
    ).fetchone()
    (b,) = conn.execute(
        "INSERT INTO cmms.organizations (name, slug) VALUES ('B', 'b') RETURNING id"
    ).fetchone()
    (user_of_b,) = conn.execute(
        "INSERT INTO cmms.users (organization_id, email, full_name) VALUES (%s, 'u@b.io', 'U')"
        " RETURNING id",
        [b],
    ).fetchone()
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        conn.execute(
            "INSERT INTO cmms.user_sessions (organization_id, user_id, refresh_token_hash,"
            " expires_at) VALUES (%s, %s, 'h', now() + interval '1 day')",
            [a, user_of_b],
        )
