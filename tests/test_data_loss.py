"""A rollback never destroys data silently: what it would drop is listed with row counts, and
it refuses unless told yes."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from cmmsdb import migrator
from cmmsdb.data_loss import DataLoss
from cmmsdb.errors import DataLossRefused
from cmmsdb.target import Target
from tests import rows
from tests.conftest import MIGRATIONS
from tests.test_migrator import FAST, write

PART_TRANSACTIONS = "0052.create-table-part-transactions"


def exists(dsn: str, relation: str) -> bool:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT to_regclass(%s)", [relation]).fetchone() != (None,)


def applied(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        return [i for (i,) in conn.execute("SELECT id FROM cmmsdb.applied_migrations")]


@pytest.fixture
def stocked(migrated_db: str, admin: psycopg.Connection[Any]) -> str:
    """A migrated database where one tenant has three part transactions."""
    org = rows.new_org(admin)
    for _ in range(3):
        rows.make_row(admin, "part_transactions", org)
    return migrated_db


def test_a_rollback_dropping_a_table_with_rows_lists_them_and_refuses(stocked: str) -> None:
    target = Target(stocked, "test")
    before = applied(stocked)

    with pytest.raises(DataLossRefused) as refused:
        migrator.rollback(target, MIGRATIONS, to="0051", options=FAST)

    message = refused.value.message
    assert "cmms.part_transactions (3 rows)" in message
    assert "nothing was rolled back; pass --yes" in message
    assert "\n" not in message
    assert {"object": "cmms.part_transactions", "kind": "table", "rows": 3} | {
        "migration": PART_TRANSACTIONS
    } in refused.value.details["data_loss"]
    assert applied(stocked) == before
    assert exists(stocked, "cmms.part_transactions")


def test_a_dry_run_lists_what_it_would_drop(stocked: str) -> None:
    report = migrator.rollback(Target(stocked, "test"), MIGRATIONS, to="0051", dry_run=True)

    assert DataLoss(PART_TRANSACTIONS, "cmms.part_transactions", "table", 3) in report.data_loss
    assert all(loss.rows for loss in report.data_loss)
    assert report.to_dict()["data_loss"][0].keys() == {"migration", "object", "kind", "rows"}


def test_yes_or_a_confirmation_rolls_back_and_reports_what_was_dropped(stocked: str) -> None:
    target = Target(stocked, "test")
    asked: list[list[DataLoss]] = []

    def decline(losses: Any) -> bool:
        asked.append(list(losses))
        return False

    with pytest.raises(DataLossRefused):
        migrator.rollback(target, MIGRATIONS, to="0051", confirm=decline, options=FAST)
    assert exists(stocked, "cmms.part_transactions")
    assert DataLoss(PART_TRANSACTIONS, "cmms.part_transactions", "table", 3) in asked[0]

    report = migrator.rollback(target, MIGRATIONS, to="0051", confirm=lambda _: True)

    assert not exists(stocked, "cmms.part_transactions")
    assert "cmms.part_transactions" in [loss.object for loss in report.data_loss]


def test_empty_tables_roll_back_without_asking(migrated_db: str) -> None:
    report = migrator.rollback(Target(migrated_db, "test"), MIGRATIONS, to="0051", options=FAST)

    assert report.data_loss == []
    assert not exists(migrated_db, "cmms.part_transactions")


COLUMNS = {
    "0001.create-a.sql": "CREATE TABLE a (id int, n int);\nINSERT INTO a VALUES (1, 1), (2, 2);\n",
    "0001.create-a.rollback.sql": "DROP TABLE a;\n",
    "0002.add-columns-a.sql": "ALTER TABLE a ADD COLUMN note text,"
    " ADD COLUMN twice int GENERATED ALWAYS AS (n * 2) STORED;\n",
    "0002.add-columns-a.rollback.sql": "ALTER TABLE a DROP COLUMN twice, DROP COLUMN note;\n",
    "0003.create-schema-s.sql": "CREATE SCHEMA s;\nCREATE TABLE s.t (id int);\n"
    'CREATE TABLE s."Empty" (id int);\n',
    "0003.create-schema-s.rollback.sql": "DROP SCHEMA s CASCADE;\n",
}


def test_columns_with_values_and_tables_of_a_schema_dropped_with_cascade_count(
    empty_db: str, tmp_path: Path
) -> None:
    folder = write(tmp_path / "m", COLUMNS)
    target = Target(empty_db, "test")
    migrator.migrate(target, folder, options=FAST)

    # a column of nulls and a generated column hold nothing of their own; nor do empty tables
    assert migrator.rollback(target, folder, steps=2, dry_run=True).data_loss == []
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("UPDATE a SET note = 'kept?' WHERE id = 1")
        conn.execute("INSERT INTO s.t VALUES (1), (2)")

    report = migrator.rollback(target, folder, everything=True, dry_run=True)

    assert report.data_loss == [
        DataLoss("0003.create-schema-s", "s.t", "table", 2),
        DataLoss("0002.add-columns-a", "public.a.note", "column", 1),
        DataLoss("0001.create-a", "public.a", "table", 2),
    ]
    with pytest.raises(DataLossRefused, match=r"would drop 3 tables or columns holding data"):
        migrator.rollback(target, folder, everything=True, options=FAST)
    assert exists(empty_db, "s.t")


def test_rows_hidden_by_row_level_security_are_not_counted_as_none(
    empty_db: str, tmp_path: Path
) -> None:
    folder = write(
        tmp_path / "rls",
        {
            "0001.create-a.sql": "CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n"
            "ALTER TABLE a ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;\n",
            "0001.create-a.rollback.sql": "DROP TABLE a;\n",
        },
    )
    role = f"cmms_test_owner_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(empty_db, autocommit=True) as conn:
        migrator.migrate(Target(empty_db, "test"), folder, options=FAST)
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"ALTER TABLE a OWNER TO {role}")
        conn.execute(f"GRANT ALL ON SCHEMA cmmsdb, public TO {role}")
        conn.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA cmmsdb TO {role}")
    try:
        owner = Target(psycopg.conninfo.make_conninfo(empty_db, user=role), "owner")
        report = migrator.rollback(owner, folder, dry_run=True)
    finally:
        with psycopg.connect(empty_db, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")

    assert report.data_loss == [DataLoss("0001.create-a", "public.a", "table", None)]
    assert str(report.data_loss[0]) == "public.a (rows uncounted)"
