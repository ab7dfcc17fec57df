"""cmmsdb.tenant_transfer against real databases: an export, a delete and an import give
back exactly the rows a tenant had, in every tenant table, audit trail included; the other
tenant is never touched; and every refusal (tenant already there, other schema version,
tampered archive, no confirmation) leaves the target as it was."""

from __future__ import annotations

import io
import json
import tarfile
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

import cmmsdb
from cmmsdb import archiving, conventions, errors, tenant_transfer
from cmmsdb.catalog import tenant_tables
from cmmsdb.migrations import discover
from cmmsdb.seeding import seed
from cmmsdb.target import Target
from tests.conftest import MIGRATIONS, Server, _unique
from tests.rows import make_row
from tests.test_archiving import _work_order

LAST_MIGRATION = discover(MIGRATIONS)[-1].id

Tenants = tuple[uuid.UUID, uuid.UUID]


@pytest.fixture
def tenants(migrated_db: str, admin: psycopg.Connection[Any]) -> Tenants:
    """Two seeded tenants; the first also gets one row of every tenant table (the seeder
    leaves some empty), made with its triggers on, so that it has audit records of them."""
    report = seed(Target(migrated_db, "test"), profile="small", tenants=2, scale=0.3, seed=3)
    first, second = (uuid.UUID(org) for org in report.organizations)
    for table in tenant_tables(admin):
        make_row(admin, table, first)
    return first, second


@pytest.fixture
def other_db(pg_server: Server, migrated_template: str) -> Iterator[str]:
    """A second migrated database: where a tenant moves to."""
    janitor = pg_server.janitor(_unique("cmmsdb_test"), template_dbname=migrated_template)
    janitor.init()
    yield pg_server.dsn_for(janitor.dbname)
    janitor.drop()


@pytest.fixture
def archive(migrated_db: str, tenants: Tenants, tmp_path: Path) -> Path:
    """The first tenant, exported."""
    exported = tmp_path / "tenant.tar"
    tenant_transfer.export(target(migrated_db), str(tenants[0]), exported)
    return exported


def digests(dsn: str, org: uuid.UUID) -> dict[str, tuple[int, str]]:
    """Per tenant table, the tenant's row count and an md5 of its rows in id order."""
    with psycopg.connect(dsn) as conn:
        found = {}
        for table in tenant_tables(conn):
            statement = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), ''))"
                " FROM {} AS t WHERE {} = %s"
            ).format(
                sql.Identifier(conventions.SCHEMA, table),
                sql.Identifier(tenant_transfer.tenant_key(table)),
            )
            row = conn.execute(statement, [org]).fetchone()
            assert row is not None
            found[table] = (row[0], row[1])
        return found


def target(dsn: str) -> Target:
    return Target(dsn, "test")


def archived_digests(dsn: str, org: uuid.UUID) -> dict[str, tuple[int, str]]:
    """Per table of cmms_archive that holds tenant rows (archive tables, archived audit
    partitions), the tenant's row count and an md5 of its rows in id order."""
    with psycopg.connect(dsn) as conn:
        found = {}
        for table in tenant_transfer.archive_tables(conn):
            statement = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), ''))"
                " FROM {} AS t WHERE organization_id = %s"
            ).format(sql.SQL(table))
            row = conn.execute(statement, [org]).fetchone()
            assert row is not None
            found[table] = (row[0], row[1])
        return found


@pytest.fixture
def archived(migrated_db: str, admin: psycopg.Connection[Any], tenants: Tenants) -> uuid.UUID:
    """Old closed work orders of both tenants archived by `cmmsdb archive`, one of the first
    tenant's restored (a row of cmms_archive.restorations); returns the restored one."""
    mine, other = tenants
    restored = _work_order(admin, mine)
    for org in (mine, mine, other):
        _work_order(admin, org)
    at = datetime(2026, 6, 1, tzinfo=UTC)
    assert archiving.archive(target(migrated_db), older_than="2y", now=at).work_orders >= 4
    assert archiving.restore(target(migrated_db), mine, [restored]).work_orders == 1
    return restored


def test_round_trip_gives_back_every_row_and_leaves_the_other_tenant_alone(
    migrated_db: str, tenants: Tenants, tmp_path: Path
) -> None:
    mine, other = tenants
    before, untouched = digests(migrated_db, mine), digests(migrated_db, other)
    assert all(count > 0 for count, _ in before.values()), "every tenant table has rows"
    assert {"rule_firings", "notification_reads"} <= set(before)  # 0150, 0156
    archive = tmp_path / "tenant.tar"

    exported = tenant_transfer.export(target(migrated_db), str(mine), archive)
    carried = before | archived_digests(migrated_db, mine)  # cmms_archive's tables: no rows
    assert exported.tables == {table: count for table, (count, _) in carried.items()}
    assert digests(migrated_db, other) == untouched

    deleted = tenant_transfer.delete(target(migrated_db), str(mine), yes=True)
    assert deleted.total_rows == exported.total_rows
    assert all(count == 0 for count, _ in digests(migrated_db, mine).values())
    assert digests(migrated_db, other) == untouched

    imported = tenant_transfer.import_archive(target(migrated_db), archive)
    assert imported.total_rows == exported.total_rows
    assert digests(migrated_db, mine) == before
    assert digests(migrated_db, other) == untouched


def test_a_tenant_moves_to_another_database(
    migrated_db: str, other_db: str, tenants: Tenants, archive: Path, tmp_path: Path
) -> None:
    mine, _ = tenants

    tenant_transfer.import_archive(target(other_db), archive)

    assert digests(other_db, mine) == digests(migrated_db, mine)
    # the move is checked as docs/tenant-export.md says: the same rows export to the same bytes
    again = tmp_path / "again.tar"
    tenant_transfer.export(target(other_db), str(mine), again)
    assert checksums(again) == checksums(archive)


def checksums(archive: Path) -> dict[str, str]:
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    return {table["name"]: table["sha256"] for table in manifest["tables"]}


def test_the_archive_is_a_tar_with_a_manifest_first(
    migrated_db: str, tenants: Tenants, tmp_path: Path
) -> None:
    mine, _ = tenants
    archive = tmp_path / "tenant.tar"
    report = tenant_transfer.export(target(migrated_db), str(mine), archive)

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert names[0] == "manifest.json"
    assert manifest["format"] == "cmmsdb-tenant-archive"
    assert manifest["organization"] == str(mine)
    assert manifest["schema_version"]["migrations"] == report.schema_version
    assert manifest["schema_version"]["migrations"][-1] == LAST_MIGRATION
    assert next(t["name"] for t in manifest["tables"]) == "organizations"
    assert {t["file"] for t in manifest["tables"]} == set(names[1:])
    work_orders = next(t for t in manifest["tables"] if t["name"] == "work_orders")
    assert "search_vector" not in work_orders["columns"]  # generated: the server computes it


def test_load_order_puts_every_table_after_those_it_references(
    admin: psycopg.Connection[Any],
) -> None:
    order = tenant_transfer.load_order(admin)
    edges = admin.execute(
        "SELECT DISTINCT conrelid::regclass::text, confrelid::regclass::text"
        " FROM pg_constraint WHERE contype = 'f' AND conrelid <> confrelid"
        " AND connamespace = 'cmms'::regnamespace"
    ).fetchall()
    position = {name: i for i, name in enumerate(order)}
    assert order[0] == "organizations"
    assert sorted(order) == sorted(tenant_tables(admin))
    for child, parent in edges:
        child, parent = child.removeprefix("cmms."), parent.removeprefix("cmms.")
        # the organization's own references (its logo is one of its attachments) close a
        # cycle: the organization goes first anyway, and the load checks no foreign key
        if child in position and parent in position and child != "organizations":
            assert position[parent] < position[child], (child, parent)


def test_import_refuses_an_organization_already_there(
    migrated_db: str, tenants: Tenants, archive: Path
) -> None:
    mine, _ = tenants
    before = digests(migrated_db, mine)

    with pytest.raises(errors.TenantExists, match=f"organization {mine} is already in"):
        tenant_transfer.import_archive(target(migrated_db), archive)
    assert digests(migrated_db, mine) == before


def test_import_refuses_another_schema_version(
    migrated_db: str, other_db: str, tenants: Tenants, archive: Path
) -> None:
    mine, _ = tenants
    cmmsdb.rollback(other_db)

    with pytest.raises(errors.SchemaVersionMismatch, match=f"lacks {LAST_MIGRATION}") as refused:
        tenant_transfer.import_archive(target(other_db), archive)
    assert "\n" not in str(refused.value)
    assert all(count == 0 for count, _ in digests(other_db, mine).values())


def _rewritten(archive: Path, out: Path, change: Callable[[str, bytes], bytes]) -> Path:
    """A copy of `archive` with each member's bytes passed through `change(name, data)`."""
    with tarfile.open(archive) as source, tarfile.open(out, "w") as copy:
        for info in source.getmembers():
            data = change(info.name, source.extractfile(info).read())  # type: ignore[union-attr]
            info.size = len(data)
            copy.addfile(info, io.BytesIO(data))
    return out


def _flip_a_byte(name: str, data: bytes) -> bytes:
    if name != "tables/work_orders.copy":
        return data
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


def _no_schema_version(name: str, data: bytes) -> bytes:
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    del manifest["schema_version"]
    return json.dumps(manifest).encode()


def _one_more_work_order(name: str, data: bytes) -> bytes:
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    for table in manifest["tables"]:
        if table["name"] == "work_orders":
            table["rows"] += 1
    return json.dumps(manifest).encode()


def test_a_tampered_archive_is_refused_with_nothing_loaded(
    migrated_db: str, other_db: str, tenants: Tenants, archive: Path, tmp_path: Path
) -> None:
    mine, _ = tenants
    flipped = _rewritten(archive, tmp_path / "flipped.tar", _flip_a_byte)
    counted = _rewritten(archive, tmp_path / "counted.tar", _one_more_work_order)

    with pytest.raises(
        errors.ArchiveInvalid, match=r"work_orders\.copy does not match its checksum"
    ):
        tenant_transfer.import_archive(target(other_db), flipped)
    with pytest.raises(errors.ArchiveInvalid, match=r"work_orders.copy holds \d+ rows, not"):
        tenant_transfer.import_archive(target(other_db), counted)
    unversioned = _rewritten(archive, tmp_path / "unversioned.tar", _no_schema_version)
    with pytest.raises(errors.ArchiveInvalid, match="lacks its schema version"):
        tenant_transfer.import_archive(target(other_db), unversioned)
    assert all(count == 0 for count, _ in digests(other_db, mine).values())


@pytest.mark.parametrize("content", [b"", b"not a tar at all" * 100])
def test_a_file_that_is_no_archive_is_refused(
    other_db: str, tmp_path: Path, content: bytes
) -> None:
    bad = tmp_path / "bad.tar"
    bad.write_bytes(content)

    with pytest.raises(errors.ArchiveInvalid, match="nothing was loaded"):
        tenant_transfer.import_archive(target(other_db), bad)


def test_delete_dry_run_counts_and_changes_nothing(migrated_db: str, tenants: Tenants) -> None:
    mine, _ = tenants
    before = digests(migrated_db, mine)

    plan = tenant_transfer.delete(target(migrated_db), str(mine), dry_run=True)

    assert plan.dry_run
    assert {t: c for t, c in plan.tables.items() if "." not in t} == {
        table: count for table, (count, _) in before.items()
    }
    assert digests(migrated_db, mine) == before


def test_delete_asks_and_refuses_without_a_yes(migrated_db: str, tenants: Tenants) -> None:
    mine, _ = tenants
    before = digests(migrated_db, mine)
    asked: list[int] = []

    def no(plan: tenant_transfer.TransferReport) -> bool:
        asked.append(plan.total_rows)
        return False

    with pytest.raises(errors.ConfirmationRequired, match="nothing was deleted"):
        tenant_transfer.delete(target(migrated_db), str(mine), confirm=no)
    with pytest.raises(errors.ConfirmationRequired):
        tenant_transfer.delete(target(migrated_db), str(mine))
    assert asked == [sum(count for count, _ in before.values())]
    assert digests(migrated_db, mine) == before

    tenant_transfer.delete(target(migrated_db), str(mine), confirm=lambda plan: True)
    assert all(count == 0 for count, _ in digests(migrated_db, mine).values())


def test_delete_removes_the_archived_audit_trail_too(
    migrated_db: str, admin: psycopg.Connection[Any], tenants: Tenants
) -> None:
    mine, other = tenants
    admin.execute("CREATE TABLE cmms_archive.activity_logs_p2020_01 (LIKE cmms.activity_logs)")
    admin.execute(
        "INSERT INTO cmms_archive.activity_logs_p2020_01"
        " SELECT * FROM cmms.activity_logs WHERE organization_id = ANY(%s) LIMIT 10",
        [[mine, other]],
    )
    archived = "cmms_archive.activity_logs_p2020_01"
    plan = tenant_transfer.delete(target(migrated_db), str(mine), dry_run=True)
    assert archived in plan.tables

    tenant_transfer.delete(target(migrated_db), str(mine), yes=True)

    left = admin.execute(
        f"SELECT count(*) FILTER (WHERE organization_id = %s), count(*) FROM {archived}", [mine]
    ).fetchone()
    assert left is not None
    assert left[0] == 0
    assert left[1] == 10 - plan.tables[archived]


def test_export_refuses_an_unknown_organization_and_writes_no_file(
    migrated_db: str, tmp_path: Path
) -> None:
    archive = tmp_path / "tenant.tar"
    with pytest.raises(errors.TenantNotFound):
        tenant_transfer.export(target(migrated_db), str(uuid.uuid4()), archive)
    with pytest.raises(errors.TenantTransferError, match="is not an organization id"):
        tenant_transfer.export(target(migrated_db), "acme", archive)
    assert list(tmp_path.iterdir()) == []


def test_a_role_under_row_level_security_is_refused(
    app_login: str, tenants: Tenants, tmp_path: Path
) -> None:
    mine, _ = tenants
    with pytest.raises(errors.PermissionDenied, match="row-level security"):
        tenant_transfer.export(target(app_login), str(mine), tmp_path / "tenant.tar")
    with pytest.raises(errors.PermissionDenied, match="not a superuser"):
        tenant_transfer.delete(target(app_login), str(mine), yes=True)


def test_archived_audit_records_are_exported_and_come_back_in_the_live_trail(
    migrated_db: str, admin: psycopg.Connection[Any], tenants: Tenants, tmp_path: Path
) -> None:
    """Records `partitions maintain --retain` detached into cmms_archive travel with the
    tenant; an import puts them back into cmms.activity_logs, for maintenance to file."""
    mine, _ = tenants
    archived = "cmms_archive.activity_logs_p2020_02"
    with admin.transaction():
        admin.execute("SET LOCAL session_replication_role = replica")
        admin.execute(f"CREATE TABLE {archived} (LIKE cmms.activity_logs)")
        moved = admin.execute(
            "WITH gone AS (DELETE FROM cmms.activity_logs WHERE (organization_id, id) IN"
            " (SELECT organization_id, id FROM cmms.activity_logs WHERE organization_id = %s"
            " ORDER BY id LIMIT 7) RETURNING *)"
            f" INSERT INTO {archived} SELECT * FROM gone",
            [mine],
        ).rowcount
    live = digests(migrated_db, mine)["activity_logs"][0]
    archive = tmp_path / "tenant.tar"

    exported = tenant_transfer.export(target(migrated_db), str(mine), archive)
    assert exported.tables[archived] == moved == 7
    tenant_transfer.delete(target(migrated_db), str(mine), yes=True)
    imported = tenant_transfer.import_archive(target(migrated_db), archive)

    assert imported.tables[archived] == 7
    assert digests(migrated_db, mine)["activity_logs"][0] == live + 7
    left = admin.execute(f"SELECT count(*) FROM {archived}").fetchone()
    assert left == (0,)


@pytest.fixture
def bypassrls_login(migrated_db: str, admin: psycopg.Connection[Any]) -> Iterator[str]:
    """A login that is no superuser but bypasses row-level security and may read cmms,
    cmms_archive and the ledger: what docs/tenant-export.md says export needs."""
    role = f"cmms_test_export_{uuid.uuid4().hex[:8]}"
    name = sql.Identifier(role)
    admin.execute(sql.SQL("CREATE ROLE {} LOGIN BYPASSRLS").format(name))
    for schema in ("cmms", "cmms_archive", "cmmsdb"):
        admin.execute(
            sql.SQL(
                "GRANT USAGE ON SCHEMA {0} TO {1}; GRANT SELECT ON ALL TABLES IN SCHEMA {0} TO {1}"
            )
            .format(sql.Identifier(schema), name)
            .as_string(admin)
        )
    yield make_conninfo(migrated_db, user=role)
    admin.execute(sql.SQL("DROP OWNED BY {0}; DROP ROLE {0}").format(name).as_string(admin))


def test_export_needs_only_bypassrls_and_select(
    bypassrls_login: str, migrated_db: str, tenants: Tenants, tmp_path: Path
) -> None:
    mine, _ = tenants
    by_superuser, by_reader = tmp_path / "superuser.tar", tmp_path / "reader.tar"
    tenant_transfer.export(target(migrated_db), str(mine), by_superuser)

    tenant_transfer.export(target(bypassrls_login), str(mine), by_reader)

    assert checksums(by_reader) == checksums(by_superuser)
    with pytest.raises(errors.PermissionDenied, match="not a superuser"):
        tenant_transfer.import_archive(target(bypassrls_login), by_reader)


def test_archived_work_orders_and_restorations_make_the_round_trip(
    migrated_db: str, tenants: Tenants, archived: uuid.UUID, tmp_path: Path
) -> None:
    mine, other = tenants
    live, kept = digests(migrated_db, mine), archived_digests(migrated_db, mine)
    untouched = archived_digests(migrated_db, other)
    assert kept["cmms_archive.work_orders"][0] >= 2
    assert kept["cmms_archive.comments"][0] >= 4
    assert kept["cmms_archive.restorations"][0] == 1
    archive = tmp_path / "tenant.tar"

    exported = tenant_transfer.export(target(migrated_db), str(mine), archive)
    assert {name: rows for name, rows in exported.tables.items() if "." in name} == {
        name: rows for name, (rows, _) in kept.items()
    }
    tenant_transfer.delete(target(migrated_db), str(mine), yes=True)
    assert all(rows == 0 for rows, _ in archived_digests(migrated_db, mine).values())
    tenant_transfer.import_archive(target(migrated_db), archive)

    assert archived_digests(migrated_db, mine) == kept
    assert digests(migrated_db, mine) == live
    assert archived_digests(migrated_db, other) == untouched
    # still restored: the next run leaves it live
    at = datetime(2026, 6, 1, tzinfo=UTC)
    assert archiving.archive(target(migrated_db), older_than="2y", now=at).work_orders == 0


def test_archived_work_orders_move_to_another_database_with_the_same_checksums(
    migrated_db: str, other_db: str, tenants: Tenants, archived: uuid.UUID, tmp_path: Path
) -> None:
    mine, _ = tenants
    archive, again = tmp_path / "tenant.tar", tmp_path / "again.tar"
    tenant_transfer.export(target(migrated_db), str(mine), archive)

    tenant_transfer.import_archive(target(other_db), archive)

    assert archived_digests(other_db, mine) == archived_digests(migrated_db, mine)
    tenant_transfer.export(target(other_db), str(mine), again)
    assert checksums(again) == checksums(archive)
    assert "cmms_archive.restorations" in checksums(archive)


def test_delete_leaves_no_row_of_the_tenant_in_cmms_archive(
    migrated_db: str, admin: psycopg.Connection[Any], tenants: Tenants, archived: uuid.UUID
) -> None:
    mine, other = tenants
    untouched = archived_digests(migrated_db, other)
    assert untouched["cmms_archive.work_orders"][0] >= 1
    plan = tenant_transfer.delete(target(migrated_db), str(mine), dry_run=True)
    assert plan.tables["cmms_archive.restorations"] == 1

    tenant_transfer.delete(target(migrated_db), str(mine), yes=True)

    for table in tenant_transfer.archive_tables(admin):
        left = admin.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE organization_id = %s").format(sql.SQL(table)),
            [mine],
        ).fetchone()
        assert left == (0,), table
    assert archived_digests(migrated_db, other) == untouched
