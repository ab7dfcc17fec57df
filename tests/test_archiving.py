"""cmmsdb.archiving against a real server: what moves into cmms_archive (a finished, old
work order with everything that hangs off it), what stays, batches, a second archiver at
once, and a restore that gives back identical rows."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from cmmsdb import archiving, session
from cmmsdb.errors import ConfigurationError, ReadOnlyTarget
from cmmsdb.session import Options
from cmmsdb.target import Target

Conn = psycopg.Connection[Any]
NOW = datetime(2026, 6, 1, tzinfo=UTC)
OLD = datetime(2023, 1, 15, tzinfo=UTC)
RECENT = datetime(2026, 3, 1, tzinfo=UTC)


def _org(admin: Conn) -> uuid.UUID:
    row = admin.execute(
        "INSERT INTO cmms.organizations (name, slug) VALUES ('Org', %s) RETURNING id",
        [f"org-{uuid.uuid4().hex[:8]}"],
    ).fetchone()
    assert row
    return row[0]  # type: ignore[no-any-return]


def _work_order(
    admin: Conn, org: uuid.UUID, status: str = "closed", finished: datetime = OLD
) -> uuid.UUID:
    """A work order with a comment and its reply, a checklist with an item, labor, an asset
    and an attachment's metadata."""
    completed = finished if status in ("completed", "closed") else None
    row = admin.execute(
        "INSERT INTO cmms.work_orders (organization_id, title, status, completed_at)"
        " VALUES (%s, 'Pump leaks', %s, %s) RETURNING id",
        [org, status, completed],
    ).fetchone()
    assert row
    wo = row[0]
    if completed is None:
        with admin.transaction():  # past the trigger that sets updated_at to now
            admin.execute("SET LOCAL session_replication_role = replica")
            admin.execute(
                "UPDATE cmms.work_orders SET updated_at = %s"
                " WHERE organization_id = %s AND id = %s",
                [finished, org, wo],
            )
    asset = admin.execute(
        "INSERT INTO cmms.assets (organization_id, name) VALUES (%s, 'Pump') RETURNING id", [org]
    ).fetchone()
    assert asset
    admin.execute(
        "INSERT INTO cmms.work_order_assets (organization_id, work_order_id, asset_id)"
        " VALUES (%s, %s, %s)",
        [org, wo, asset[0]],
    )
    parent = admin.execute(
        "INSERT INTO cmms.comments (organization_id, work_order_id, body) VALUES (%s, %s, 'a')"
        " RETURNING id",
        [org, wo],
    ).fetchone()
    assert parent
    admin.execute(
        "INSERT INTO cmms.comments (organization_id, work_order_id, parent_id, body)"
        " VALUES (%s, %s, %s, 'b')",
        [org, wo, parent[0]],
    )
    checklist = admin.execute(
        "INSERT INTO cmms.checklists (organization_id, work_order_id, name)"
        " VALUES (%s, %s, 'Safety') RETURNING id",
        [org, wo],
    ).fetchone()
    assert checklist
    admin.execute(
        "INSERT INTO cmms.checklist_items (organization_id, checklist_id, position, label)"
        " VALUES (%s, %s, 1, 'Lock out')",
        [org, checklist[0]],
    )
    admin.execute(
        "INSERT INTO cmms.attachments (organization_id, entity_type, entity_id, file_name,"
        " content_type, storage_backend, storage_key, size_bytes)"
        " VALUES (%s, 'work_order', %s, 'a.pdf', 'application/pdf', 's3', %s, 10)",
        [org, wo, f"k/{uuid.uuid4()}"],
    )
    return wo  # type: ignore[no-any-return]


def _rows(admin: Conn, schema: str, org: uuid.UUID) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the archived tables for `org`, generated columns left out, sorted."""
    found = {}
    for table in archiving.TABLES:
        cols = admin.execute("SELECT cmms_archive.archive_columns(%s)", [table]).fetchone()
        assert cols
        found[table] = sorted(
            admin.execute(
                f"SELECT {cols[0]} FROM {schema}.{table} WHERE organization_id = %s", [org]
            ).fetchall(),
            key=repr,
        )
    return found


def _count(admin: Conn, relation: str, org: uuid.UUID) -> int:
    row = admin.execute(
        f"SELECT count(*) FROM {relation} WHERE organization_id = %s", [org]
    ).fetchone()
    assert row
    return int(row[0])


def _run(migrated_db: str, **kwargs: Any) -> archiving.ArchiveReport:
    kwargs.setdefault("older_than", "2y")
    kwargs.setdefault("now", NOW)
    return archiving.archive(Target(migrated_db, "test"), **kwargs)


def test_an_old_closed_work_order_moves_with_its_dependants_and_nothing_else(
    migrated_db: str, admin: Conn
) -> None:
    org = _org(admin)
    old = _work_order(admin, org, "closed")
    cancelled = _work_order(admin, org, "cancelled")
    recent = _work_order(admin, org, "closed", RECENT)
    open_ = _work_order(admin, org, "open")
    before = _rows(admin, "cmms", org)

    report = _run(migrated_db)

    assert report.work_orders == 2
    assert report.rows["comments"] == 4
    assert report.rows["checklist_items"] == 2
    assert report.rows["attachments"] == 2
    archived = {r[0] for r in admin.execute("SELECT id FROM cmms_archive.work_orders")}
    assert archived == {old, cancelled}
    live = {
        r[0]
        for r in admin.execute("SELECT id FROM cmms.work_orders WHERE organization_id = %s", [org])
    }
    assert live == {recent, open_}
    after = _rows(admin, "cmms", org)
    moved = _rows(admin, "cmms_archive", org)
    for table in archiving.TABLES:
        assert sorted(after[table] + moved[table], key=repr) == before[table], table
        assert len(moved[table]) == report.rows[table], table


def test_a_second_run_finds_nothing_and_a_restore_gives_back_identical_rows(
    migrated_db: str, admin: Conn
) -> None:
    org = _org(admin)
    ids = [_work_order(admin, org) for _ in range(3)]
    before = _rows(admin, "cmms", org)
    assert _run(migrated_db).work_orders == 3
    again = _run(migrated_db)
    assert again.work_orders == 0
    assert again.batches == 0

    restored = archiving.restore(Target(migrated_db, "test"), org, ids)

    assert restored.work_orders == 3
    assert _rows(admin, "cmms", org) == before
    assert all(not rows for rows in _rows(admin, "cmms_archive", org).values())


def _restored_at(admin: Conn, org: uuid.UUID, wo: uuid.UUID) -> datetime | None:
    row = admin.execute(
        "SELECT restored_at FROM cmms_archive.restorations"
        " WHERE organization_id = %s AND work_order_id = %s",
        [org, wo],
    ).fetchone()
    return row[0] if row else None


def test_a_restored_work_order_stays_live_a_full_period_after_its_restore(
    migrated_db: str, admin: Conn
) -> None:
    """A restore counts as the work order's finish: the next runs with the same cut-off
    (dry run included) leave it live; once the restore is older than the cut-off, it goes."""
    org = _org(admin)
    restored, other = _work_order(admin, org), _work_order(admin, org)
    assert _run(migrated_db).work_orders == 2
    archiving.restore(Target(migrated_db, "test"), org, [restored])
    assert _restored_at(admin, org, restored) is not None
    other_org = _org(admin)
    unrelated = _work_order(admin, other_org)  # not restored: it moves

    assert _run(migrated_db, dry_run=True).work_orders == 1
    again = _run(migrated_db)
    assert again.work_orders == 1
    assert {r[0] for r in admin.execute("SELECT id FROM cmms_archive.work_orders")} == {
        other,
        unrelated,
    }
    assert _count(admin, "cmms.work_orders", org) == 1

    cut_off = archiving.parse_age("2y").before(NOW)
    admin.execute(
        "UPDATE cmms_archive.restorations SET restored_at = %s WHERE work_order_id = %s",
        [cut_off, restored],
    )
    assert _run(migrated_db, dry_run=True).work_orders == 0  # restored at the cut-off: live
    assert _run(migrated_db).work_orders == 0
    admin.execute(
        "UPDATE cmms_archive.restorations SET restored_at = %s - interval '1 second'"
        " WHERE work_order_id = %s",
        [cut_off, restored],
    )
    assert _run(migrated_db, dry_run=True).work_orders == 1
    assert _run(migrated_db).work_orders == 1
    assert _count(admin, "cmms.work_orders", org) == 0
    assert _restored_at(admin, org, restored) is None  # archived again: forgotten


def test_a_later_run_archives_a_restored_work_order_again_and_a_restore_records_it_afresh(
    migrated_db: str, admin: Conn
) -> None:
    org = _org(admin)
    wo = _work_order(admin, org)
    _run(migrated_db)
    archiving.restore(Target(migrated_db, "test"), org, [wo])
    first = _restored_at(admin, org, wo)
    assert first is not None
    later = datetime(first.year + 3, 1, 1, tzinfo=UTC)  # cut-off a year after the restore
    assert _run(migrated_db, now=later).work_orders == 1
    archiving.restore(Target(migrated_db, "test"), org, [wo])
    assert _restored_at(admin, org, wo) is not None
    rows = admin.execute(
        "SELECT count(*) FROM cmms_archive.restorations WHERE organization_id = %s", [org]
    ).fetchone()
    assert rows == (1,)


def test_batches_of_the_given_size(migrated_db: str, admin: Conn) -> None:
    org = _org(admin)
    for _ in range(5):
        _work_order(admin, org)
    seen: list[archiving.Batch] = []
    report = _run(migrated_db, batch_size=2, on_batch=seen.append)
    assert [b.work_orders for b in seen] == [2, 2, 1]
    assert report.batches == 3
    assert report.work_orders == 5


def test_a_dry_run_counts_and_changes_nothing(migrated_db: str, admin: Conn) -> None:
    org = _org(admin)
    _work_order(admin, org)
    before = _rows(admin, "cmms", org)
    report = _run(migrated_db, dry_run=True)
    assert report.dry_run
    assert report.work_orders == 1
    assert report.rows["comments"] == 2
    assert _rows(admin, "cmms", org) == before
    assert _count(admin, "cmms_archive.work_orders", org) == 0


def test_a_dry_run_only_reads_it_counts_what_others_lock_and_waits_for_no_archiver(
    migrated_db: str, admin: Conn
) -> None:
    """The count takes no row lock and no archive lock: a work order the application holds
    and an archiver at work do not change it; the exact dry run skips what others lock."""
    org = _org(admin)
    locked = _work_order(admin, org)
    _work_order(admin, org)
    with psycopg.connect(migrated_db) as other:
        other.execute(
            "SELECT 1 FROM cmms.work_orders WHERE organization_id = %s AND id = %s FOR UPDATE",
            [org, locked],
        )
        other.execute("SELECT pg_advisory_lock(%s)", [session.ARCHIVE_LOCK])
        counted = _run(migrated_db, dry_run=True, options=Options(wait=0))
        other.execute("SELECT pg_advisory_unlock(%s)", [session.ARCHIVE_LOCK])
        exact = _run(migrated_db, dry_run=True, exact=True)
        other.rollback()
    assert (counted.work_orders, counted.exact) == (2, False)
    assert counted.rows["comments"] == 4
    assert (exact.work_orders, exact.exact) == (1, True)
    assert exact.rows["comments"] == 2
    assert _count(admin, "cmms_archive.work_orders", org) == 0
    assert _count(admin, "cmms.work_orders", org) == 2


def test_exact_without_dry_run_is_refused(migrated_db: str) -> None:
    with pytest.raises(ConfigurationError, match="--exact goes with --dry-run"):
        _run(migrated_db, exact=True)


def test_a_work_order_that_a_part_transaction_or_request_points_at_stays_live(
    migrated_db: str, admin: Conn
) -> None:
    org = _org(admin)
    wo = _work_order(admin, org)
    admin.execute(
        "INSERT INTO cmms.work_requests"
        " (organization_id, title, requester_name, status, work_order_id)"
        " VALUES (%s, 'Leak', 'Ann', 'converted', %s)",
        [org, wo],
    )
    assert _run(migrated_db).work_orders == 0
    assert _count(admin, "cmms.work_orders", org) == 1


def test_a_work_order_locked_by_the_application_is_skipped_not_waited_for(
    migrated_db: str, admin: Conn
) -> None:
    org = _org(admin)
    locked = _work_order(admin, org)
    free = _work_order(admin, org)
    with psycopg.connect(migrated_db) as other:
        other.execute(
            "SELECT 1 FROM cmms.work_orders WHERE organization_id = %s AND id = %s FOR UPDATE",
            [org, locked],
        )
        report = _run(migrated_db)
        other.rollback()
    assert report.work_orders == 1
    assert {r[0] for r in admin.execute("SELECT id FROM cmms_archive.work_orders")} == {free}
    assert _run(migrated_db).work_orders == 1  # the rerun finishes


def test_two_archivers_at_once_move_everything_once(migrated_db: str, admin: Conn) -> None:
    org = _org(admin)
    for _ in range(6):
        _work_order(admin, org)
    reports: list[archiving.ArchiveReport] = []

    def run() -> None:
        reports.append(_run(migrated_db, batch_size=1, options=Options(wait=30)))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.work_orders for r in reports) == 6
    assert _count(admin, "cmms_archive.work_orders", org) == 6


@pytest.mark.parametrize(
    ("text", "expected"),
    [("90d", "2026-03-03"), ("18m", "2024-12-01"), ("2y", "2024-06-01"), (" 1Y ", "2025-06-01")],
)
def test_ages(text: str, expected: str) -> None:
    assert archiving.parse_age(text).before(NOW).date().isoformat() == expected


@pytest.mark.parametrize("text", ["", "2", "0d", "-1y", "2w", "1.5y", "y2"])
def test_bad_ages_are_one_clear_error(text: str) -> None:
    with pytest.raises(ConfigurationError, match="is not an age"):
        archiving.parse_age(text)


def test_a_dry_run_counts_on_a_read_only_database_where_a_run_is_refused(
    migrated_db: str, admin: Conn
) -> None:
    """As on a hot standby: the count writes nothing, so it works; a run is refused."""
    org = _org(admin)
    _work_order(admin, org)
    dbname = admin.info.dbname
    admin.execute(f'ALTER DATABASE "{dbname}" SET default_transaction_read_only = on')
    assert _run(migrated_db, dry_run=True).work_orders == 1
    with pytest.raises(ReadOnlyTarget):
        _run(migrated_db)
