"""cmmsdb.seeding against a real database: valid, reproducible, audited fake tenants that
can be removed without touching real ones; bad input refused with nothing written."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from cmmsdb import archiving, conventions
from cmmsdb.errors import SeedError
from cmmsdb.seeding import Progress, purge_fake, seed
from cmmsdb.seeding.schema import allowed_values
from cmmsdb.target import Target
from tests.rows import make_row, new_org
from tests.test_archiving import _work_order

Conn = psycopg.Connection[Any]

FOREIGN_KEYS = """
    SELECT conrelid::regclass::text, confrelid::regclass::text,
           (SELECT array_agg(a.attname::text ORDER BY k.n) FROM unnest(conkey) WITH ORDINALITY
              AS k(num, n) JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.num),
           (SELECT array_agg(a.attname::text ORDER BY k.n) FROM unnest(confkey) WITH ORDINALITY
              AS k(num, n) JOIN pg_attribute a ON a.attrelid = confrelid AND a.attnum = k.num)
    FROM pg_constraint
    WHERE contype = 'f' AND connamespace = 'cmms'::regnamespace AND conparentid = 0
"""
SEEDED_TABLES = """
    SELECT c.oid::regclass::text FROM pg_class c
    WHERE c.relnamespace = 'cmms'::regnamespace AND c.relkind IN ('r', 'p')
      AND NOT c.relispartition
"""


def orphans(conn: Conn) -> list[str]:
    """Foreign keys with a referencing row whose referenced row is missing."""
    broken = []
    for child, parent, columns, referenced in conn.execute(FOREIGN_KEYS).fetchall():
        match = sql.SQL(" AND ").join(
            sql.SQL("p.{} = c.{}").format(sql.Identifier(r), sql.Identifier(c))
            for c, r in zip(columns, referenced, strict=True)
        )
        present = sql.SQL(" AND ").join(
            sql.SQL("c.{} IS NOT NULL").format(sql.Identifier(c)) for c in columns
        )
        query = sql.SQL(
            "SELECT count(*) FROM {} AS c WHERE {} AND NOT EXISTS (SELECT FROM {} AS p WHERE {})"
        ).format(sql.SQL(child), present, sql.SQL(parent), match)
        if conn.execute(query).fetchone() != (0,):
            broken.append(f"{child}({', '.join(columns)}) -> {parent}")
    return broken


def fingerprint(dsn: str) -> dict[str, str]:
    """A digest of every table's rows (the audit trail without its transaction ids)."""
    with psycopg.connect(dsn) as conn:
        digests = {}
        for (table,) in conn.execute(SEEDED_TABLES).fetchall():
            row = "to_jsonb(t) - 'transaction_id'"
            digest = conn.execute(
                sql.SQL(
                    "SELECT md5(string_agg(({})::text, '|' ORDER BY ({})::text)) FROM {} t"
                ).format(sql.SQL(row), sql.SQL(row), sql.SQL(table))
            ).fetchone()
            digests[table] = digest[0] if digest else ""
        return digests


def test_seeded_tenants_are_valid_complete_and_audited(migrated_db: str, admin: Conn) -> None:
    report = seed(Target(migrated_db, "test"), profile="demo", tenants=2, scale=0.5, seed=7)

    assert len(report.organizations) == 2
    assert orphans(admin) == []
    for table, count in report.rows.items():
        (actual,) = admin.execute(
            sql.SQL("SELECT count(*) FROM cmms.{}").format(sql.Identifier(table))
        ).fetchone() or (None,)
        assert actual == count, table
        assert count > 0, table
    audited = admin.execute(
        "SELECT count(*) FROM cmms.activity_logs WHERE organization_id = ANY(%s::uuid[])",
        [report.organizations],
    ).fetchone()
    not_audited = sum(report.rows.get(table, 0) for table in conventions.NOT_AUDITED)
    assert audited == (report.total_rows - not_audited,)
    statuses = dict(
        admin.execute("SELECT status, count(*) FROM cmms.work_orders GROUP BY status").fetchall()
    )
    assert statuses["closed"] > statuses.get("open", 0)


def test_the_same_seed_gives_the_same_rows_whatever_the_parallelism(
    migrated_db: str, empty_db: str, cli: Any
) -> None:
    assert cli("migrate", "--dsn", empty_db).exit_code == 0
    for dsn, jobs in ((migrated_db, 1), (empty_db, 3)):
        seed(Target(dsn, "test"), profile="demo", tenants=3, scale=0.3, seed=11, jobs=jobs)

    first, second = fingerprint(migrated_db), fingerprint(empty_db)
    assert first == second
    assert first["cmms.work_orders"]
    assert first["cmms.activity_logs"]


def test_another_run_adds_new_tenants_and_purge_removes_only_fake_ones(
    migrated_db: str, admin: Conn
) -> None:
    real = new_org(admin, "Real")
    real_work_order = make_row(admin, "work_orders", real)
    target = Target(migrated_db, "test")
    first = seed(target, tenants=1, scale=0.2, seed=3)
    second = seed(target, tenants=1, scale=0.2, seed=3)
    assert set(first.organizations).isdisjoint(second.organizations)

    removed = purge_fake(target)

    assert removed.organizations == 2
    assert admin.execute("SELECT id FROM cmms.organizations").fetchall() == [(real,)]
    assert admin.execute("SELECT id FROM cmms.work_orders").fetchall() == [(real_work_order,)]
    assert admin.execute("SELECT count(*) FROM cmmsdb.seeded_organizations").fetchone() == (0,)
    assert purge_fake(target).organizations == 0


def audit_records(conn: Conn) -> dict[Any, int]:
    return dict(
        conn.execute(
            "SELECT organization_id, count(*) FROM cmms.activity_logs GROUP BY 1"
        ).fetchall()
    )


def test_purge_removes_the_fake_tenants_audit_trail_so_the_same_seed_can_run_again(
    migrated_db: str, admin: Conn
) -> None:
    real = new_org(admin, "Real")
    make_row(admin, "work_orders", real)
    real_trail = audit_records(admin)
    assert real_trail[real] > 0
    target = Target(migrated_db, "test")
    first = seed(target, tenants=2, scale=0.2, seed=3)
    seeded_trail = audit_records(admin)

    removed = purge_fake(target)

    assert removed.organizations == 2
    # their seeding and the deletions the purge itself recorded
    fake = sum(n for org, n in seeded_trail.items() if str(org) in first.organizations)
    assert removed.audit_records == 2 * fake
    assert audit_records(admin) == real_trail
    again = seed(target, tenants=2, scale=0.2, seed=3)
    assert again.organizations == first.organizations
    assert audit_records(admin) == seeded_trail


def archived_rows(conn: Conn) -> dict[Any, int]:
    """Rows per organization in cmms_archive's archive tables (those of `cmmsdb archive`)."""
    found: dict[Any, int] = {}
    for (table,) in conn.execute(
        "SELECT c.oid::regclass::text FROM pg_class AS c"
        " WHERE c.relnamespace = 'cmms_archive'::regnamespace AND c.relkind = 'r'"
        " AND c.relname !~ '^activity_logs_p' AND EXISTS (SELECT FROM pg_attribute AS a"
        " WHERE a.attrelid = c.oid AND a.attname = 'organization_id')"
    ).fetchall():
        statement = sql.SQL("SELECT organization_id, count(*) FROM {} GROUP BY 1")
        for org, n in conn.execute(statement.format(sql.SQL(table))).fetchall():
            found[org] = found.get(org, 0) + n
    return found


def test_purge_removes_the_fake_tenants_archived_work_orders_and_keeps_the_real_ones(
    migrated_db: str, admin: Conn
) -> None:
    real = new_org(admin, "Real")
    target = Target(migrated_db, "test")
    fakes = [uuid.UUID(org) for org in seed(target, tenants=2, scale=0.2, seed=3).organizations]
    restored = _work_order(admin, fakes[0])
    for org in (real, fakes[0], fakes[1]):
        _work_order(admin, org)
    archiving.archive(target, older_than="2y", now=datetime(2026, 6, 1, tzinfo=UTC))
    archiving.restore(target, fakes[0], [restored])  # a row of cmms_archive.restorations
    before = archived_rows(admin)
    assert all(before.get(org, 0) > 0 for org in (real, *fakes))

    removed = purge_fake(target)

    assert archived_rows(admin) == {real: before[real]}
    assert removed.archived_rows == sum(before[org] for org in fakes)


def test_purge_needs_a_superuser_and_removes_nothing_without_one(
    migrated_db: str, app_login: str, admin: Conn
) -> None:
    seed(Target(migrated_db, "test"), tenants=1, scale=0.2, seed=3)
    trail = audit_records(admin)

    with pytest.raises(SeedError, match="not a superuser: removing the fake tenants' audit"):
        purge_fake(Target(app_login, "test"))

    assert admin.execute("SELECT count(*) FROM cmms.organizations").fetchone() == (1,)
    assert audit_records(admin) == trail


def test_progress_comes_one_event_at_a_time_with_one_finished_event_per_table(
    migrated_db: str,
) -> None:
    """Several jobs write side by side; the display must still get one table's events in
    order, never two at once, and learn once when a table is complete."""
    events: list[Progress] = []
    inside = threading.Lock()
    overlaps = []

    def record(event: Progress) -> None:
        if not inside.acquire(blocking=False):
            overlaps.append(event)
            return
        try:
            time.sleep(0.002)  # a display takes time: another worker's event may come now
            events.append(event)
        finally:
            inside.release()

    report = seed(
        Target(migrated_db, "test"), tenants=6, scale=0.2, seed=9, jobs=3, on_progress=record
    )

    assert overlaps == []
    for table, rows in report.rows.items():
        if table == "organizations":
            continue
        mine = [e for e in events if e.table == table]
        assert len(mine) == 6, table
        assert [e.written for e in mine] == sorted(e.written for e in mine)
        assert [e.finished for e in mine] == [False] * 5 + [True], table
        assert mine[-1].written == rows, table


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"tenants": 0}, "--tenants must be between 1 and"),
        ({"tenants": -3}, "--tenants must be between 1 and"),
        ({"tenants": 10**9}, "--tenants must be between 1 and"),
        ({"scale": 0}, "--scale must be above 0"),
        ({"scale": 1e9}, "--scale must be above 0"),
        ({"jobs": 0}, "--jobs must be between 1 and"),
        ({"profile": "nope"}, "unknown seed profile 'nope'"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(
    migrated_db: str, admin: Conn, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(SeedError, match=message):
        seed(Target(migrated_db, "test"), **options)
    assert admin.execute("SELECT count(*) FROM cmms.organizations").fetchone() == (0,)


def test_a_profile_naming_an_unknown_table_is_refused(migrated_db: str, tmp_path: Path) -> None:
    profile = tmp_path / "mine.toml"
    profile.write_text(
        "tenants = 1\n[rows]\nwidgets = 3\n[work_order_status]\nopen = 1\n"
        "[work_order_priority]\nlow = 1\n"
    )
    with pytest.raises(SeedError, match="does not fill: widgets"):
        seed(Target(migrated_db, "test"), profile=str(profile))


def test_an_unmigrated_database_is_refused_naming_the_pending_migrations(empty_db: str) -> None:
    with pytest.raises(SeedError, match=r"not at the latest schema \(0001\.create-schema"):
        seed(Target(empty_db, "test"))


def test_a_role_subject_to_row_level_security_is_refused(app_login: str, admin: Conn) -> None:
    with pytest.raises(SeedError, match="not a superuser: it is subject to row-level security"):
        seed(Target(app_login, "test"))
    assert admin.execute("SELECT count(*) FROM cmms.organizations").fetchone() == (0,)


def test_seeded_custom_field_values_pass_the_checks_a_normal_write_gets(
    migrated_db: str, admin: Conn
) -> None:
    """The seed skips triggers; rewriting its custom field values with them on (type and
    options checked, the record alive in the same organization) must find nothing wrong."""
    seed(Target(migrated_db, "test"), profile="demo", tenants=1, scale=0.5, seed=5)

    with admin.transaction():
        rewritten = admin.execute("UPDATE cmms.custom_field_values SET value = value").rowcount

    assert rewritten > 0


def test_tables_and_columns_the_seeder_does_not_know_are_handled_from_the_catalog(
    migrated_db: str, admin: Conn
) -> None:
    """A table another change adds gets no rows and breaks nothing (its audit trigger
    included); a required column added to a seeded table (the tenant's own included) is
    filled by type."""
    admin.execute(
        """
        CREATE TABLE cmms.widgets (
            organization_id uuid NOT NULL REFERENCES cmms.organizations (id),
            id uuid NOT NULL DEFAULT gen_random_uuid(),
            name text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (organization_id, id));
        CREATE TRIGGER widgets_audit AFTER INSERT OR UPDATE OR DELETE ON cmms.widgets
            FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();
        ALTER TABLE cmms.meters ADD COLUMN serial integer NOT NULL,
            ADD COLUMN installed_at timestamptz NOT NULL, ADD COLUMN label text NOT NULL UNIQUE,
            ADD COLUMN calibrated boolean NOT NULL, ADD COLUMN ratio numeric(8, 2) NOT NULL,
            ADD COLUMN spec jsonb NOT NULL, ADD COLUMN sensor uuid NOT NULL;
        ALTER TABLE cmms.organizations ADD COLUMN region text NOT NULL;
        """
    )
    admin.commit()

    report = seed(Target(migrated_db, "test"), profile="demo", tenants=2, scale=0.3, seed=4)

    assert "widgets" not in report.rows
    assert admin.execute("SELECT count(*) FROM cmms.widgets").fetchone() == (0,)
    meters = admin.execute(
        "SELECT count(*), count(DISTINCT label), count(DISTINCT sensor) FROM cmms.meters"
    ).fetchone()
    assert meters == (report.rows["meters"],) * 3
    regions = admin.execute("SELECT count(DISTINCT region) FROM cmms.organizations").fetchone()
    assert regions == (2,)


def test_a_profile_share_the_catalog_does_not_allow_is_refused(
    migrated_db: str, admin: Conn, tmp_path: Path
) -> None:
    profile = tmp_path / "typo.toml"
    profile.write_text(
        "tenants = 1\n[rows]\nwork_orders = 3\n[work_order_status]\nopen = 1\nclosd = 1\n"
        "[work_order_priority]\nlow = 1\n"
    )
    with pytest.raises(SeedError, match=r"gives closd, which cmms.work_orders.status does not"):
        seed(Target(migrated_db, "test"), profile=str(profile))
    assert admin.execute("SELECT count(*) FROM cmms.organizations").fetchone() == (0,)


def test_enum_like_values_are_those_the_check_constraints_allow(
    migrated_db: str, admin: Conn
) -> None:
    """A value dropped from a CHECK is no longer drawn; a column whose CHECK lists values
    the seeder's shares do not name still gets allowed values."""
    admin.execute(
        """
        ALTER TABLE cmms.users DROP CONSTRAINT users_role_check,
            ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'manager', 'viewer'));
        ALTER TABLE cmms.calendar_events DROP CONSTRAINT calendar_events_event_type_check,
            ADD CONSTRAINT calendar_events_event_type_check CHECK (event_type IN ('audit'));
        """
    )
    admin.commit()

    seed(Target(migrated_db, "test"), profile="demo", tenants=1, scale=0.5, seed=8)

    roles = {r for (r,) in admin.execute("SELECT DISTINCT role FROM cmms.users")}
    assert roles <= {"admin", "manager", "viewer"}
    assert roles
    events = admin.execute("SELECT DISTINCT event_type FROM cmms.calendar_events").fetchall()
    assert events == [("audit",)]


@pytest.mark.parametrize(
    ("definition", "values"),
    [
        ("CHECK ((kind = ANY (ARRAY['a'::text, 'b''c'::text])))", ("a", "b'c")),
        ("CHECK ((kind = 'only'::text))", ("only",)),
        ("CHECK ((kind = ANY (ARRAY['a, b'::text, 'c'::character varying])))", ("a, b", "c")),
        ("CHECK ((kind = 'a'::text) OR (other = 'b'::text))", ()),
        ("CHECK ((kind = ANY (ARRAY['a'::text])) AND (kind = ANY (ARRAY['b'::text])))", ()),
        ("CHECK ((kind <> ''::text))", ()),
    ],
)
def test_only_a_plain_in_list_check_gives_allowed_values(
    definition: str, values: tuple[str, ...]
) -> None:
    assert allowed_values("kind", definition) == values
