"""Partition maintenance proven on real database state: what it creates, archives and moves,
that a second run does nothing, that locks are waited for boundedly, and that the planner
prunes to one monthly partition.

Until the shipped migrations create cmms.activity_logs, the tests build their own
month-partitioned table, cmms.events, with a default partition and an append-only TRUNCATE
trigger, and a hash-partitioned table that must be listed but never maintained.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from cmmsdb import partitions
from cmmsdb.errors import ConfigurationError, LockTimeout, MaintenanceFailed, ReadOnlyTarget
from cmmsdb.session import Options
from cmmsdb.target import Target

NOW = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
FAST = Options(lock_timeout=0.2, lock_retries=1, wait=5, connect_timeout=5)
AHEAD = ["events_p2026_11", "events_p2026_12", "events_p2027_01", "events_p2027_02"]

SCHEMA = """
DO $$
BEGIN
    -- the partition templates revoke from these cluster-wide roles (created by 0006)
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cmms_app') THEN
        CREATE ROLE cmms_app NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cmms_readonly') THEN
        CREATE ROLE cmms_readonly NOLOGIN;
    END IF;
END
$$;
CREATE SCHEMA cmms;
CREATE FUNCTION cmms.refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TABLE cmms.events (
    organization_id uuid,
    id uuid,
    created_at timestamptz NOT NULL,
    note text GENERATED ALWAYS AS ('org ' || organization_id::text) STORED,
    PRIMARY KEY (organization_id, id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE cmms.events_default PARTITION OF cmms.events DEFAULT;
CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON cmms.events
    FOR EACH STATEMENT EXECUTE FUNCTION cmms.refuse_truncate();
CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON cmms.events_default
    FOR EACH STATEMENT EXECUTE FUNCTION cmms.refuse_truncate();
CREATE TABLE cmms.work_orders (organization_id uuid, id uuid, PRIMARY KEY (organization_id, id))
    PARTITION BY HASH (organization_id);
CREATE TABLE cmms.work_orders_h0 PARTITION OF cmms.work_orders
    FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE cmms.work_orders_h1 PARTITION OF cmms.work_orders
    FOR VALUES WITH (MODULUS 2, REMAINDER 1);
"""


def build_events(dsn: str) -> str:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SCHEMA)
    return dsn


def add_month(dsn: str, month: str, next_month: str) -> None:
    """A monthly partition made by hand (as an earlier maintenance run would have)."""
    name = "events_p" + month[:7].replace("-", "_")
    sql(
        dsn,
        f"CREATE TABLE cmms.{name} PARTITION OF cmms.events "
        f"FOR VALUES FROM ('{month} 00:00+00') TO ('{next_month} 00:00+00')",
    )


def insert(dsn: str, *timestamps: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for at in timestamps:
            conn.execute(
                "INSERT INTO cmms.events (organization_id, id, created_at) "
                "VALUES (gen_random_uuid(), gen_random_uuid(), %s)",
                (at,),
            )


def sql(dsn: str, statement: str, params: Any = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        cursor = conn.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def attached(dsn: str, parent: str = "cmms.events") -> dict[str, str]:
    """Every partition of `parent` with its bounds, as the catalog has them (UTC)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        rows = conn.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            (parent,),
        ).fetchall()
    return dict(rows)


def catalog(dsn: str) -> list[tuple[Any, ...]]:
    """Relations, partition links and triggers of the cmms schemas: to prove nothing changed."""
    return sql(
        dsn,
        "SELECT n.nspname, c.relname, c.relispartition, "
        "(SELECT array_agg(tgname ORDER BY tgname) FROM pg_trigger WHERE tgrelid = c.oid) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname LIKE 'cmms%' ORDER BY 1, 2",
    )


def truncate_triggers(dsn: str, relation: str) -> list[str]:
    rows = sql(
        dsn,
        "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND tgtype::int & 32 <> 0",
        (relation,),
    )
    return [name for (name,) in rows]


def maintain(dsn: str, **kwargs: Any) -> partitions.MaintainReport:
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("options", FAST)
    return partitions.maintain(Target(dsn, "test"), **kwargs)


@pytest.fixture
def events(empty_db: str) -> str:
    return build_events(empty_db)


def test_creates_the_current_and_next_months_each_with_the_truncate_trigger(events: str) -> None:
    report = maintain(events, ahead=3)

    assert [(a.action, a.partition) for a in report.actions] == [
        ("create", f"cmms.{name}") for name in AHEAD
    ]
    assert report.tables == ["cmms.events"]
    assert (report.today.isoformat(), report.retain_from.isoformat()) == (
        "2026-11-23",
        "2025-11-01",
    )
    bounds = attached(events)
    assert bounds["events_p2026_12"] == (
        "FOR VALUES FROM ('2026-12-01 00:00:00+00') TO ('2027-01-01 00:00:00+00')"
    )
    assert sorted(bounds) == sorted([*AHEAD, "events_default"])
    for name in AHEAD:
        assert truncate_triggers(events, f"cmms.{name}") == ["events_refuse_truncate"]
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        sql(events, "TRUNCATE cmms.events_p2026_12")
    assert sorted(attached(events, "cmms.work_orders")) == ["work_orders_h0", "work_orders_h1"]
    assert report.default_rows == []


def test_second_run_does_nothing(events: str) -> None:
    maintain(events)
    before = catalog(events)

    again = maintain(events)

    assert again.actions == []
    assert catalog(events) == before


def test_only_missing_months_are_created(events: str) -> None:
    add_month(events, "2026-12-01", "2027-01-01")

    report = maintain(events, ahead=2)

    assert [a.partition for a in report.actions] == ["cmms.events_p2026_11", "cmms.events_p2027_01"]
    assert [(a.range_from.isoformat(), a.range_to.isoformat()) for a in report.actions] == [
        ("2026-11-01", "2026-12-01"),
        ("2027-01-01", "2027-02-01"),
    ]


def test_retention_archives_old_months_with_their_rows(events: str) -> None:
    for month, following in [
        ("2025-09-01", "2025-10-01"),
        ("2025-10-01", "2025-11-01"),
        ("2025-11-01", "2025-12-01"),
    ]:
        add_month(events, month, following)
    insert(events, "2025-09-15", "2025-09-16", "2025-10-31 23:59:59+00", "2025-11-01")

    report = maintain(events, retain=12)

    archived = [a for a in report.actions if a.action == "archive"]
    assert [(a.partition, str(a.range_from)) for a in archived] == [
        ("cmms_archive.events_p2025_09", "2025-09-01"),
        ("cmms_archive.events_p2025_10", "2025-10-01"),
    ]
    assert "events_p2025_11" in attached(events)
    assert not {"events_p2025_09", "events_p2025_10"} & set(attached(events))
    assert sql(events, "SELECT count(*) FROM cmms_archive.events_p2025_09") == [(2,)]
    assert sql(events, "SELECT count(*) FROM cmms_archive.events_p2025_10") == [(1,)]
    assert sql(
        events,
        "SELECT relispartition FROM pg_class WHERE oid = 'cmms_archive.events_p2025_09'::regclass",
    ) == [(False,)]
    assert sql(events, "SELECT count(*) FROM cmms.events") == [(1,)]
    assert maintain(events, retain=12).actions == []


def test_rows_in_the_default_partition_are_reported_and_moved_with_their_month(
    events: str,
) -> None:
    insert(events, "2026-12-24 18:00+00", "2027-01-02", "infinity")  # in no month
    listed = partitions.list_partitioned(Target(events, "test"))
    assert [(d.partition, d.rows) for d in listed.default_rows] == [("cmms.events_default", 3)]
    index_before = sql(
        events,
        "SELECT indexrelid::regclass::text FROM pg_index "
        "WHERE indrelid = 'cmms.events_default'::regclass",
    )

    report = maintain(events)

    move = [a for a in report.actions if a.action == "move_default_rows"]
    assert len(move) == 1
    assert move[0].rows == 2
    assert move[0].created == [f"cmms.{name}" for name in AHEAD]
    assert [(d.table, d.partition, d.rows) for d in report.default_rows] == [
        ("cmms.events", "cmms.events_default", 1)
    ]
    placed = sql(
        events,
        "SELECT tableoid::regclass::text, created_at::date::text, note = 'org ' || organization_id "
        "FROM cmms.events ORDER BY 2",
    )
    assert placed == [
        ("cmms.events_p2026_12", "2026-12-24", True),
        ("cmms.events_p2027_01", "2027-01-02", True),
        ("cmms.events_default", "infinity", True),
    ]
    assert truncate_triggers(events, "cmms.events_default") == ["events_refuse_truncate"]
    assert (
        sql(
            events,
            "SELECT indexrelid::regclass::text FROM pg_index "
            "WHERE indrelid = 'cmms.events_default'::regclass",
        )
        == index_before
    )
    assert sql(events, "SELECT to_regclass('cmms_archive.events_default')") == [(None,)]
    again = maintain(events)
    assert again.actions == []
    assert [d.rows for d in again.default_rows] == [1]


def test_every_month_with_default_rows_gets_its_partition_archived_if_past_retention(
    events: str,
) -> None:
    """Rows that came while their month had no partition, or were written backdated (as
    `cmmsdb seed` writes its audit trail), leave the default partition: into their month's
    partition, archived in the same run if past retention; a month archived before keeps
    its rows in the default partition, reported."""
    sql(events, "CREATE SCHEMA cmms_archive")
    sql(events, "CREATE TABLE cmms_archive.events_p2018_03 (LIKE cmms.events)")
    insert(events, "2026-06-10", "2019-05-01", "2019-05-31 23:00+00", "2018-03-03")

    report = maintain(events, retain=12)

    [move] = [a for a in report.actions if a.action == "move_default_rows"]
    assert move.rows == 3
    assert move.created == [
        "cmms.events_p2019_05",
        "cmms.events_p2026_06",
        *(f"cmms.{name}" for name in AHEAD),
    ]
    archived = [a.partition for a in report.actions if a.action == "archive"]
    assert archived == ["cmms_archive.events_p2019_05"]
    assert "events_p2026_06" in attached(events)
    assert "events_p2019_05" not in attached(events)
    assert sql(events, "SELECT count(*) FROM cmms_archive.events_p2019_05") == [(2,)]
    assert [(d.partition, d.rows) for d in report.default_rows] == [("cmms.events_default", 1)]
    again = maintain(events, retain=12)
    assert again.actions == []
    assert [d.rows for d in again.default_rows] == [1]


def test_rows_arriving_after_planning_are_moved_too(events: str) -> None:
    def row_for_a_later_month(action: partitions.Action) -> None:
        if action.partition == "cmms.events_p2026_11":
            insert(events, "2027-02-03")

    report = maintain(events, on_progress=row_for_a_later_month)

    assert [a.action for a in report.actions] == ["create", "create", "create", "move_default_rows"]
    assert report.actions[-1].created == ["cmms.events_p2027_02"]
    assert report.actions[-1].rows == 1
    assert sql(events, "SELECT tableoid::regclass::text FROM cmms.events") == [
        ("cmms.events_p2027_02",)
    ]
    assert report.default_rows == []


def test_dry_run_lists_the_sql_and_changes_nothing(events: str) -> None:
    add_month(events, "2025-01-01", "2025-02-01")
    insert(events, "2026-12-05")
    before = catalog(events)

    report = maintain(events, dry_run=True)

    assert catalog(events) == before
    assert report.dry_run
    actions = {a.action: a for a in report.actions}
    assert set(actions) == {"move_default_rows", "archive"}
    move = actions["move_default_rows"].sql or ""
    assert "DETACH PARTITION cmms.events_default" in move
    assert "CREATE SCHEMA IF NOT EXISTS cmms_archive" in move
    assert "CREATE TABLE IF NOT EXISTS cmms.events_p2026_11" in move
    assert "BEFORE TRUNCATE ON cmms.events_p2026_11" in move
    archive = actions["archive"].sql or ""
    assert archive.startswith("ALTER TABLE cmms.events DETACH PARTITION cmms.events_p2025_01;")
    assert "CREATE SCHEMA" not in archive
    assert report.default_rows == []
    assert actions["move_default_rows"].rows == 1


def test_read_only_target_refused_but_dry_run_allowed(events: str) -> None:
    with psycopg.connect(events, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{conn.info.dbname}" SET default_transaction_read_only = on')

    assert len(maintain(events, dry_run=True).actions) == 4
    with pytest.raises(ReadOnlyTarget, match="read-only"):
        maintain(events)


def test_a_held_table_lock_fails_cleanly_after_bounded_retries_keeping_earlier_work(
    events: str,
) -> None:
    sql(
        events,
        "CREATE TABLE cmms.readings (at timestamptz NOT NULL, value float8) "
        "PARTITION BY RANGE (at)",
    )
    with psycopg.connect(events) as blocker:
        blocker.execute("LOCK TABLE cmms.readings IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        with pytest.raises(MaintenanceFailed, match=r"within 0\.2s in 2 attempts") as failure:
            maintain(events)
        elapsed = time.monotonic() - started

    assert elapsed < 3
    assert "cmms.readings" in failure.value.message
    assert "created cmms.events_p2026_11" in (failure.value.hint or "")
    assert sorted(attached(events)) == sorted([*AHEAD, "events_default"])
    assert attached(events, "cmms.readings") == {}
    assert [a.partition for a in maintain(events).actions] == [
        f"cmms.readings_p{m}" for m in ("2026_11", "2026_12", "2027_01", "2027_02")
    ]


def test_a_lock_released_during_the_retries_lets_maintenance_through(events: str) -> None:
    blocker = psycopg.connect(events)
    blocker.execute("LOCK TABLE cmms.events IN ACCESS EXCLUSIVE MODE")
    threading.Timer(0.4, blocker.close).start()

    report = maintain(events, options=Options(lock_timeout=0.2, lock_retries=3, wait=5))

    assert len(report.actions) == 4


def test_second_maintainer_waits_then_times_out_naming_the_holder(events: str) -> None:
    with psycopg.connect(events, autocommit=True, application_name="cron-maintainer") as holder:
        holder.execute("SELECT pg_advisory_lock(7236833568497074178)")
        with pytest.raises(LockTimeout, match="cron-maintainer"):
            maintain(events, options=Options(wait=0.3))
        holder.execute("SELECT pg_advisory_lock(7236833568497074177)")  # the migration lock
        assert len(maintain(events, dry_run=True).actions) == 4
    assert attached(events) == {"events_default": "DEFAULT"}


def test_a_one_month_query_scans_only_that_month(events: str) -> None:
    maintain(events)
    insert(events, "2026-11-02", "2026-12-02", "2027-01-02")

    plan = sql(
        events,
        "EXPLAIN SELECT * FROM cmms.events "
        "WHERE created_at >= '2026-12-01 00:00+00' AND created_at < '2027-01-01 00:00+00'",
    )

    text = "\n".join(line for (line,) in plan)
    assert "events_p2026_12" in text
    for other in ("events_p2026_11", "events_p2027_01", "events_p2027_02", "events_default"):
        assert other not in text


def test_list_shows_strategy_key_partitions_and_estimates(events: str) -> None:
    maintain(events, ahead=0)
    insert(events, "2026-11-02", "2026-11-03", "2030-01-01")
    sql(events, "ANALYZE cmms.events_p2026_11")

    listed = partitions.list_partitioned(Target(events, "test"))

    tables = {t.name: t for t in listed.tables}
    assert list(tables) == ["cmms.events", "cmms.work_orders"]
    events_table, orders = tables["cmms.events"], tables["cmms.work_orders"]
    assert (events_table.strategy, events_table.key, events_table.maintained) == (
        "range",
        "RANGE (created_at)",
        True,
    )
    assert [(p.name, p.is_default, p.row_estimate) for p in events_table.partitions] == [
        ("cmms.events_p2026_11", False, 2),
        ("cmms.events_default", True, None),
    ]
    assert events_table.partitions[0].range_from == datetime(2026, 11, 1, tzinfo=UTC)
    assert (events_table.default_partition, events_table.default_rows) == (
        "cmms.events_default",
        1,
    )
    assert (orders.strategy, orders.key, orders.maintained, orders.default_rows) == (
        "hash",
        "HASH (organization_id)",
        False,
        None,
    )
    assert orders.partitions[0].bounds == "FOR VALUES WITH (modulus 2, remainder 0)"
    assert listed.to_dict()["default_rows"] == [
        {"table": "cmms.events", "partition": "cmms.events_default", "rows": 1}
    ]


def test_table_option_names_one_maintained_table(events: str) -> None:
    with pytest.raises(ConfigurationError, match="only tables partitioned BY RANGE"):
        maintain(events, table="work_orders")
    with pytest.raises(ConfigurationError, match=r"cmms\.nope is not a partitioned table"):
        maintain(events, table="nope")
    assert len(maintain(events, table="cmms.events").actions) == 4


def test_the_shipped_audit_trail_is_maintained_as_its_owner(migrated_db: str) -> None:
    """cmms.activity_logs as the migrations build it: owned by cmms_owner, append-only,
    the current month and three ahead already there, no grant on any partition."""
    today = datetime.now(UTC)
    month = partitions._month(today.date())
    assert maintain(migrated_db, now=today).actions == []
    sql(
        migrated_db,
        "INSERT INTO cmms.activity_logs (organization_id, table_name, row_id, action, created_at) "
        "SELECT gen_random_uuid(), 'assets', gen_random_uuid(), 'insert', at "
        "FROM unnest(%s::timestamptz[]) AS at",
        (
            [
                today.isoformat(),
                partitions._utc(partitions._month(month, 13)).isoformat(),
                "infinity",
            ],
        ),
    )

    later = partitions._utc(partitions._month(month, 13))
    report = maintain(migrated_db, now=later, ahead=0, retain=12)

    current = f"activity_logs_p{month:%Y_%m}"
    assert [(a.action, a.partition) for a in report.actions] == [
        ("move_default_rows", "cmms.activity_logs_default"),
        ("archive", f"cmms_archive.{current}"),
    ]
    assert report.actions[0].rows == 1
    assert report.actions[0].created == [
        f"cmms.activity_logs_p{partitions._month(month, 13):%Y_%m}"
    ]
    assert report.default_rows == [
        partitions.DefaultRows("cmms.activity_logs", "cmms.activity_logs_default", 1)
    ]
    owners = sql(
        migrated_db,
        "SELECT c.relname, pg_get_userbyid(c.relowner), "
        "has_table_privilege('cmms_app', c.oid, 'SELECT'), "
        "(SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = c.oid "
        " AND t.tgname = 'activity_logs_refuse_truncate') "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname IN ('cmms', 'cmms_archive') AND c.relname LIKE 'activity_logs_%' "
        "AND c.relkind = 'r'",
    )
    assert {owner for _, owner, _, _ in owners} == {"cmms_owner"}
    assert {(grant, triggers) for _, _, grant, triggers in owners} == {(False, 1)}
    assert sql(migrated_db, f"SELECT count(*) FROM cmms_archive.{current}") == [(1,)]
    assert sql(
        migrated_db,
        "SELECT tableoid::regclass::text, created_at = %s FROM cmms.activity_logs ORDER BY 1",
        (later,),
    ) == [
        ("cmms.activity_logs_default", False),
        (f"cmms.activity_logs_p{later:%Y_%m}", True),
    ]
    assert maintain(migrated_db, now=later, ahead=0, retain=12).actions == []
    # The move re-inserted as the owner, which has no INSERT policy on the audit trail: RLS
    # was not forced on it for that statement only.
    forced = "SELECT relforcerowsecurity FROM pg_class WHERE oid = 'cmms.activity_logs'::regclass"
    assert sql(migrated_db, forced) == [(True,)]


def test_a_stray_table_with_a_partitions_name_is_refused_not_skipped(events: str) -> None:
    sql(events, "CREATE TABLE cmms.events_p2026_12 (LIKE cmms.events)")

    with pytest.raises(MaintenanceFailed, match=r"cmms\.events_p2026_12 already exists"):
        maintain(events)

    assert attached(events) == {"events_default": "DEFAULT"}


def test_a_login_role_that_may_only_set_role_to_the_owner_can_maintain(
    migrated_db: str, pg_server
) -> None:
    with pg_server.connect() as conn:
        conn.execute("DROP ROLE IF EXISTS cmmsdb_partition_cron")
        conn.execute("CREATE ROLE cmmsdb_partition_cron LOGIN NOINHERIT IN ROLE cmms_owner")
    sql(
        migrated_db,
        "INSERT INTO cmms.activity_logs (organization_id, table_name, row_id, action, created_at) "
        "VALUES (gen_random_uuid(), 'assets', gen_random_uuid(), 'insert', 'infinity')",
    )
    dsn = psycopg.conninfo.make_conninfo(migrated_db, user="cmmsdb_partition_cron")
    try:
        next_month = partitions._month(datetime.now(UTC).date(), 1)
        report = maintain(dsn, now=partitions._utc(next_month))
        listed = partitions.list_partitioned(Target(dsn, "test"))
    finally:
        with pg_server.connect() as conn:
            conn.execute("DROP ROLE cmmsdb_partition_cron")

    assert [a.action for a in report.actions] == ["create"]
    created = report.actions[0].partition
    assert sql(
        migrated_db,
        f"SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = '{created}'::regclass",
    ) == [("cmms_owner",)]
    assert [d.rows for d in report.default_rows] == [1]
    assert [d.rows for d in listed.default_rows] == [1]


def test_an_archived_audit_partition_keeps_forced_row_level_security_and_passes_verify(
    migrated_db: str,
) -> None:
    """Retention detaches a month of the audit trail into cmms_archive: no longer read
    through its parent's policies, it keeps row-level security forced, the application's
    roles hold nothing on it, and verify's archive-rls rule finds nothing."""
    from cmmsdb import verifier
    from tests.conftest import MIGRATIONS

    month = partitions._month(datetime.now(UTC).date())
    report = maintain(migrated_db, now=partitions._utc(partitions._month(month, 14)), retain=12)

    archived = [a.partition for a in report.actions if a.action == "archive"]
    assert archived
    rows = sql(
        migrated_db,
        "SELECT c.relrowsecurity AND c.relforcerowsecurity,"
        " has_table_privilege('cmms_app', c.oid, 'SELECT, INSERT, UPDATE, DELETE'),"
        " has_table_privilege('cmms_readonly', c.oid, 'SELECT')"
        " FROM unnest(%s::text[]) AS a (name) JOIN pg_class AS c ON c.oid = a.name::regclass",
        (archived,),
    )
    assert set(rows) == {(True, False, False)}
    found = verifier.verify(Target(migrated_db, "test"), MIGRATIONS).findings
    assert [f for f in found if f.rule == "archive-rls"] == []


def test_migration_0161_secures_partitions_archived_before_it(migrated_db: str) -> None:
    """A partition detached the old way (no row-level security) is secured by 0161's SQL;
    running it again changes nothing."""
    from tests.conftest import MIGRATIONS

    sql(
        migrated_db,
        "CREATE TABLE cmms.activity_logs_p1999_01 PARTITION OF cmms.activity_logs"
        " FOR VALUES FROM ('1999-01-01') TO ('1999-02-01');"
        " ALTER TABLE cmms.activity_logs_p1999_01 OWNER TO cmms_owner;"
        " ALTER TABLE cmms.activity_logs DETACH PARTITION cmms.activity_logs_p1999_01;"
        " ALTER TABLE cmms.activity_logs_p1999_01 SET SCHEMA cmms_archive;"
        " GRANT SELECT ON cmms_archive.activity_logs_p1999_01 TO cmms_readonly",
    )
    state = (
        "SELECT relrowsecurity, relforcerowsecurity,"
        " has_table_privilege('cmms_readonly', oid, 'SELECT') FROM pg_class"
        " WHERE oid = 'cmms_archive.activity_logs_p1999_01'::regclass"
    )
    assert sql(migrated_db, state) == [(False, False, True)]
    forward = (MIGRATIONS / "0161.secure-archived-partitions.sql").read_text()
    for _ in range(2):
        with psycopg.connect(migrated_db) as conn:
            conn.execute(forward.encode())
        assert sql(migrated_db, state) == [(True, True, False)]
