"""cmmsdb health against real servers and real conditions: an index left invalid by a failed
CREATE INDEX CONCURRENTLY, a session idle in a transaction, a missing monthly partition, rows
in a default partition, a bloated table, an unused index, an app login without timeouts, a
streaming standby, and pg_stat_statements both missing and preloaded."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from psycopg import sql

from cmmsdb import health_checks as health
from cmmsdb import local, migrator, partitions, verifier
from cmmsdb.catalog import diff, snapshot
from cmmsdb.health_checks import Finding, HealthReport, Thresholds
from cmmsdb.pytest_plugin import embedded_home
from cmmsdb.target import Target
from tests.cli.test_migrations import standby  # noqa: F401  (a fixture)
from tests.conftest import MIGRATIONS, Server

Conn = psycopg.Connection[Any]


def _report(dsn: str, **limits: Any) -> HealthReport:
    return health.health(Target(dsn, "--dsn"), thresholds=Thresholds(**limits))


def _one(report: HealthReport, check: str) -> Finding:
    found = [f for f in report.findings if f.check == check]
    assert len(found) == 1, [f.check for f in report.findings]
    return found[0]


def test_every_check_reports_once_with_a_known_severity(migrated_db: str) -> None:
    report = _report(migrated_db)

    checks = [f.check for f in report.findings]
    assert len(checks) == len(set(checks))
    expected = {
        "cache_hit_ratio",
        "invalid_indexes",
        "unused_indexes",
        "bloat",
        "long_running",
        "idle_in_transaction",
        "replication_lag",
        "connections",
        "setting_log_min_duration_statement",
        "setting_log_lock_waits",
        "setting_autovacuum",
        "app_timeouts",
        "partitions_ahead",
        "default_partition_rows",
    }
    assert expected <= set(checks)
    assert {"statements"} <= set(checks) or {"statements_by_total", "statements_by_mean"} <= set(
        checks
    )
    assert {f.severity for f in report.findings} <= {"green", "yellow", "red"}
    assert report.ok == all(f.severity != "red" for f in report.findings)
    # A freshly migrated database: the coming months are there, nothing broken.
    for check in ("invalid_indexes", "partitions_ahead", "default_partition_rows"):
        assert _one(report, check).severity == "green"
    assert _one(report, "connections").data[0]["used"] >= 1


def test_an_index_left_invalid_by_a_failed_concurrent_build_is_red(
    migrated_db: str, admin: Conn
) -> None:
    admin.execute("CREATE TABLE public.ops_dup (x int)")
    admin.execute("INSERT INTO public.ops_dup VALUES (1), (1)")
    with pytest.raises(psycopg.errors.UniqueViolation):
        admin.execute("CREATE UNIQUE INDEX CONCURRENTLY ops_dup_x ON public.ops_dup (x)")

    finding = _one(_report(migrated_db), "invalid_indexes")

    assert finding.severity == "red"
    assert [r["index"] for r in finding.data] == ["public.ops_dup_x"]
    assert finding.data[0]["is_unique"] is True
    assert "DROP INDEX CONCURRENTLY" in (finding.advice or "")


def test_a_session_idle_in_a_transaction_is_found_with_its_pid(migrated_db: str) -> None:
    with psycopg.connect(migrated_db) as idle:
        idle.execute("SELECT count(*) FROM cmms.organizations")  # opens the transaction
        pid = idle.info.backend_pid
        time.sleep(1.2)

        yellow = _one(
            _report(migrated_db, idle_in_transaction_yellow=1, idle_in_transaction_red=3600),
            "idle_in_transaction",
        )
        red = _one(
            _report(migrated_db, idle_in_transaction_yellow=0.5, idle_in_transaction_red=1),
            "idle_in_transaction",
        )
        idle.rollback()

    assert yellow.severity == "yellow"
    assert red.severity == "red"
    row = next(r for r in red.data if r["pid"] == pid)
    assert row["state"] == "idle in transaction"
    assert row["state_seconds"] >= 1
    assert "organizations" in row["query"]
    assert "idle_in_transaction_session_timeout" in (red.advice or "")
    after = _one(_report(migrated_db, idle_in_transaction_yellow=0.5), "idle_in_transaction")
    assert pid not in [r["pid"] for r in after.data]


def _next_month() -> str:
    month = partitions.month_start(datetime.now(UTC).date(), 1)
    return f"{month:%Y_%m}"


def test_a_missing_partition_of_next_month_is_red(migrated_db: str, admin: Conn) -> None:
    admin.execute(f"DROP TABLE cmms.activity_logs_p{_next_month()}")

    finding = _one(_report(migrated_db), "partitions_ahead")

    assert finding.severity == "red"
    month = partitions.month_start(datetime.now(UTC).date(), 1).isoformat()
    assert finding.data == [{"table": "cmms.activity_logs", "month": month}]
    assert "cmmsdb partitions maintain" in (finding.advice or "")
    partitions.maintain(Target(migrated_db, "--dsn"))
    assert _one(_report(migrated_db), "partitions_ahead").severity == "green"


def test_months_further_ahead_missing_are_yellow(migrated_db: str, admin: Conn) -> None:
    last = partitions.month_start(datetime.now(UTC).date(), 3)
    admin.execute(f"DROP TABLE cmms.activity_logs_p{last:%Y_%m}")

    assert _one(_report(migrated_db), "partitions_ahead").severity == "yellow"


def test_rows_in_a_default_partition_are_counted(migrated_db: str, admin: Conn) -> None:
    admin.execute(
        "INSERT INTO cmms.activity_logs (organization_id, table_name, row_id, action, created_at)"
        " VALUES (gen_random_uuid(), 'assets', gen_random_uuid(), 'insert', '2001-02-03'),"
        " (gen_random_uuid(), 'assets', gen_random_uuid(), 'insert', '2001-02-04')"
    )

    finding = _one(_report(migrated_db), "default_partition_rows")

    assert finding.severity == "yellow"
    assert finding.data == [
        {"table": "cmms.activity_logs", "partition": "cmms.activity_logs_default", "rows": 2}
    ]


def test_a_mostly_deleted_table_is_bloated_and_an_unscanned_index_unused(
    migrated_db: str, admin: Conn
) -> None:
    admin.execute("CREATE TABLE public.ops_bloat (id int PRIMARY KEY, note text, tag int)")
    admin.execute("CREATE INDEX ops_bloat_tag ON public.ops_bloat (tag)")
    admin.execute(
        "INSERT INTO public.ops_bloat SELECT i, repeat('x', 100), i % 7"
        " FROM generate_series(1, 20000) AS i"
    )
    admin.execute("DELETE FROM public.ops_bloat WHERE id % 10 <> 0")
    admin.execute("ANALYZE public.ops_bloat")

    report = _report(migrated_db, bloat_min_bytes=0, unused_index_bytes=0)

    bloat = _one(report, "bloat")
    assert bloat.severity == "yellow"
    row = next(r for r in bloat.data if r["table_name"] == "public.ops_bloat")
    assert row["wasted_ratio"] > 0.7
    assert row["estimated_rows"] == 2000
    unused = _one(report, "unused_indexes")
    names = [r["index"] for r in unused.data]
    assert "public.ops_bloat_tag" in names
    assert "public.ops_bloat_pkey" not in names  # it enforces a constraint
    # An index that leads with a foreign key's columns is never a candidate to drop.
    fk_indexes = admin.execute(
        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_index i"
        " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_constraint k ON k.conrelid = i.indrelid AND k.contype = 'f'"
        " WHERE (i.indkey::int2[])[0:cardinality(k.conkey) - 1] = k.conkey"
    ).fetchall()
    assert fk_indexes
    assert not {r[0] for r in fk_indexes} & set(names)


def test_app_logins_without_timeouts_are_named(migrated_db: str, admin: Conn) -> None:
    login = f"ops18_app_{uuid.uuid4().hex[:8]}"
    admin.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE cmms_app").format(sql.Identifier(login)))
    try:
        finding = _one(_report(migrated_db), "app_timeouts")
        row = next(r for r in finding.data if r["login"] == login)
        assert finding.severity == "yellow"
        assert "lock_timeout" in row["missing"]
        assert "ALTER ROLE" in (finding.advice or "")

        for setting, value in (
            ("lock_timeout", "5s"),
            ("idle_in_transaction_session_timeout", "60s"),
            ("statement_timeout", "30s"),
        ):
            admin.execute(
                sql.SQL("ALTER ROLE {} SET {} = {}").format(
                    sql.Identifier(login), sql.Identifier(setting), sql.Literal(value)
                )
            )
        again = _one(_report(migrated_db), "app_timeouts")
        row = next(r for r in again.data if r["login"] == login)
        assert row["missing"] == []
        assert row["settings"]["lock_timeout"] == "5s"
    finally:
        admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(login)))


def test_connections_over_the_threshold_are_red(migrated_db: str) -> None:
    finding = _one(_report(migrated_db, connections_yellow=0, connections_red=0), "connections")

    assert finding.severity == "red"
    assert "PgBouncer" in (finding.advice or "")


def test_without_pg_stat_statements_preloaded_it_says_how_to_enable_it(
    migrated_db: str, admin: Conn
) -> None:
    preloaded = admin.execute(
        "SELECT 'pg_stat_statements' = ANY (string_to_array("
        "replace(current_setting('shared_preload_libraries'), ' ', ''), ','))"
    ).fetchone()

    report = _report(migrated_db)

    if preloaded == (True,):  # a server set up for it: the extension is all that lacks
        assert _one(report, "statements").detail.endswith("not created in this database")
        return
    finding = _one(report, "statements")
    assert finding.severity == "yellow"
    assert "not in shared_preload_libraries" in finding.detail
    assert "shared_preload_libraries" in (finding.advice or "")
    assert "CREATE EXTENSION pg_stat_statements" in (finding.advice or "")


def test_the_pg_stat_statements_module_creates_it_and_rolls_back_exactly(
    migrated_db: str,
) -> None:
    target = Target(migrated_db, "test")
    with psycopg.connect(migrated_db, autocommit=True) as conn:
        before = snapshot(conn)

    report = migrator.migrate(target, MIGRATIONS, modules=["pg_stat_statements"])

    assert [s.id for s in report.steps] == [
        "pg_stat_statements/0001.create-extension-pg-stat-statements"
    ]
    finding = _one(_report(migrated_db), "statements")
    assert finding.detail == "pg_stat_statements is not in shared_preload_libraries"
    assert verifier.verify(target, MIGRATIONS, modules=["pg_stat_statements"]).findings == []
    migrator.rollback(target, MIGRATIONS, steps=1)
    with psycopg.connect(migrated_db, autocommit=True) as conn:
        assert diff(before, snapshot(conn)) == []
    assert "not created in this database" in _one(_report(migrated_db), "statements").detail


@pytest.fixture
def preloaded_server() -> Iterator[str]:
    """An embedded server of its own, restarted with pg_stat_statements preloaded."""
    home = embedded_home("cmmsdb-test-")
    try:
        server, _ = local.start(home)
        with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
        local.stop(home)
        server, _ = local.start(home)
        yield server.url("postgres")
    finally:
        if home.exists():
            local.stop(home)
        shutil.rmtree(home.parent, ignore_errors=True)


@pytest.mark.slow
def test_top_statements_by_total_and_mean_time(preloaded_server: str) -> None:
    with psycopg.connect(preloaded_server, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements SCHEMA public")
        for _ in range(12):
            conn.execute("SELECT pg_sleep(0.01) AS ops18_marker")

    report = _report(preloaded_server, slow_mean_ms=5)

    total = _one(report, "statements_by_total")
    mean = _one(report, "statements_by_mean")
    assert total.data[0]["calls"] == 12
    assert "ops18_marker" in total.data[0]["query"]
    assert total.data[0]["mean_ms"] >= 10
    assert mean.severity == "yellow"  # averages over 5 ms
    assert mean.data[0]["queryid"] == total.data[0]["queryid"]
    assert set(total.data[0]) == {
        "queryid",
        "query",
        "role",
        "calls",
        "total_ms",
        "mean_ms",
        "max_ms",
        "rows",
        "hit_percent",
    }


@pytest.mark.slow
def test_replication_lag_and_slots_on_a_real_standby(
    embedded_server: Server,
    standby: str,  # noqa: F811
) -> None:
    primary = _report(embedded_server.dsn)
    lag = _one(primary, "replication_lag")
    assert lag.severity == "green"
    assert len(lag.data) >= 1
    assert {"standby", "state", "lag_bytes", "lag_seconds"} <= set(lag.data[0])

    on_standby = _one(_report(standby), "replication")
    assert on_standby.name.startswith("replication (this server is a standby)")
    assert "replay_delay_seconds" in on_standby.data[0]

    slot = f"ops18_{uuid.uuid4().hex[:8]}"
    with embedded_server.connect() as conn:
        conn.execute("SELECT pg_create_physical_replication_slot(%s, true)", [slot])
        try:
            slots = _one(_report(embedded_server.dsn), "replication_slots")
        finally:
            conn.execute("SELECT pg_drop_replication_slot(%s)", [slot])
    assert slots.severity == "yellow"
    assert slot in [s["slot_name"] for s in slots.data]


def test_an_unprivileged_login_gets_a_report_with_checks_it_cannot_run_marked(
    app_login: str,
) -> None:
    report = _report(app_login)

    assert {f.severity for f in report.findings} <= {"green", "yellow", "red"}
    partitions_check = _one(report, "partitions")
    assert partitions_check.severity == "yellow"
    assert partitions_check.name == "partitions: not checked"
    assert _one(report, "invalid_indexes").severity == "green"
