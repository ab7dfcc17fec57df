"""cmmsdb drift: a fresh database (and one rolled back and migrated again) has no drift,
each kind of schema change is reported by name, and the committed snapshot is current."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from cmmsdb import migrator, partitions
from cmmsdb import schema_drift as drift
from cmmsdb.errors import ConfigurationError, DriftUnavailable
from cmmsdb.target import Target
from tests.conftest import MIGRATIONS, Server


def lines(dsn: str, **kwargs: Any) -> list[str]:
    return [str(d) for d in drift.drift(Target(dsn, "test"), MIGRATIONS, **kwargs).differences]


def test_a_freshly_migrated_database_has_no_drift(migrated_db: str) -> None:
    report = drift.drift(Target(migrated_db, "test"), MIGRATIONS)
    assert report.differences == []
    assert report.ok
    assert report.expected_from == str(MIGRATIONS.parent / "schema.json")


def test_no_drift_after_rolling_everything_back_and_migrating_again(migrated_db: str) -> None:
    target = Target(migrated_db, "test")
    migrator.rollback(target, MIGRATIONS, everything=True)
    migrator.migrate(target, MIGRATIONS)
    assert lines(migrated_db) == []


def test_the_committed_snapshot_is_current(migrated_db: str) -> None:
    """Regenerate with `cmmsdb snapshot` when this fails (after adding a migration)."""
    with psycopg.connect(migrated_db, autocommit=True) as conn:
        built = drift.normalise(drift.catalog.snapshot(conn))
        applied = [row.id for row in drift.ledger.read(conn)]
    committed = drift.read_expected(MIGRATIONS)
    assert committed.migrations == applied, "run `cmmsdb snapshot`"
    assert [str(d) for d in drift.compare(committed.schema, built)] == []
    assert committed.schema == built, "run `cmmsdb snapshot`"


# Each kind of difference: SQL that makes it, and the line drift must print for it.
CHANGES = {
    "column type": (
        "ALTER TABLE cmms.organizations ALTER COLUMN timezone TYPE varchar(64)",
        "cmms.organizations.timezone: type text -> character varying(64)",
    ),
    "column default": (
        "ALTER TABLE cmms.organizations ALTER COLUMN settings SET DEFAULT '{\"a\": 1}'",
        "cmms.organizations.settings: default '{}'::jsonb -> '{\"a\": 1}'::jsonb",
    ),
    "nullability": (
        "ALTER TABLE cmms.organizations ALTER COLUMN settings DROP NOT NULL",
        "cmms.organizations.settings: not_null true -> false",
    ),
    "constraint": (
        "ALTER TABLE cmms.teams DROP CONSTRAINT teams_name_check",
        "constraint cmms.teams.teams_name_check: missing",
    ),
    "index": (
        "DROP INDEX cmms.teams_organization_id_lead_user_id_idx",
        "index cmms.teams_organization_id_lead_user_id_idx: missing",
    ),
    "policy": ("DROP POLICY teams_delete ON cmms.teams", "policy cmms.teams.teams_delete: missing"),
    "trigger": (
        "DROP TRIGGER teams_audit_insert ON cmms.teams",
        "trigger cmms.teams.teams_audit_insert: missing",
    ),
    "grant": (
        "GRANT TRUNCATE ON cmms.teams TO cmms_app",
        "table cmms.teams: grants [cmms_app=DELETE,INSERT,SELECT,UPDATE, cmms_readonly=SELECT]"
        " -> [cmms_app=DELETE,INSERT,SELECT,TRUNCATE,UPDATE, cmms_readonly=SELECT]",
    ),
    "rls flag": (
        "ALTER TABLE cmms.teams NO FORCE ROW LEVEL SECURITY",
        "table cmms.teams: rls_forced true -> false",
    ),
    "comment": (
        "COMMENT ON TABLE cmms.teams IS 'Teams.'",
        "table cmms.teams: comment Groups of people (a shift, a trade, a site crew) that work"
        " orders can be assigned to. -> Teams.",
    ),
    "extension": (
        "CREATE EXTENSION pg_trgm SCHEMA cmms_ext",
        "extension pg_trgm: unexpected",
    ),
    "extension moved": (
        "ALTER EXTENSION cube SET SCHEMA public",
        "extension cube: schema cmms_ext -> public",
    ),
    "hash partition": (
        "ALTER TABLE cmms.work_orders DETACH PARTITION cmms.work_orders_p3",
        "table cmms.work_orders_p3: parent cmms.work_orders -> none",
    ),
}


@pytest.mark.parametrize("kind", list(CHANGES))
def test_each_kind_of_change_is_reported_by_name(admin, migrated_db: str, kind: str) -> None:
    statement, line = CHANGES[kind]
    admin.execute(statement)
    found = lines(migrated_db)
    assert line in found, found


@pytest.fixture
def restore_roles(admin) -> Iterator[None]:
    """cmmsdb's roles belong to the cluster: put them back as the migrations made them."""
    yield
    admin.execute(
        "ALTER ROLE cmms_app NOLOGIN NOBYPASSRLS; ALTER ROLE cmms_app RESET ALL;"
        " REVOKE cmms_owner FROM cmms_app"
    )


# Changes to roles and database settings that defeat isolation -> the line drift prints.
ROLE_CHANGES = {
    "bypassrls": ("ALTER ROLE cmms_app BYPASSRLS", "role cmms_app: bypassrls false -> true"),
    "login": ("ALTER ROLE cmms_app LOGIN", "role cmms_app: login false -> true"),
    "membership": (
        "GRANT cmms_owner TO cmms_app",
        "role cmms_app: member_of [] -> [cmms_owner WITH INHERIT, SET]",
    ),
    "role setting": (
        "ALTER ROLE cmms_app SET row_security = off",
        "role cmms_app: settings [] -> [row_security=off]",
    ),
    "role setting in this database": (
        "ALTER ROLE cmms_app IN DATABASE {db} SET search_path = public, cmms",
        "role cmms_app: settings [] -> [search_path=public, cmms in this database]",
    ),
    "database row_security": (
        "ALTER DATABASE {db} SET row_security = off",
        "database current: settings [] -> [row_security=off]",
    ),
    "database search_path": (
        "ALTER DATABASE {db} SET search_path = public, cmms",
        "database current: settings [] -> [search_path=public, cmms]",
    ),
}


@pytest.mark.parametrize("kind", list(ROLE_CHANGES))
def test_roles_and_database_settings_are_compared(
    admin, migrated_db: str, restore_roles: None, kind: str
) -> None:
    statement, line = ROLE_CHANGES[kind]
    admin.execute(statement.format(db=f'"{admin.info.dbname}"'))
    assert lines(migrated_db) == [line]


def test_members_that_are_not_cmmsdb_roles_are_not_drift(admin, app_login: str) -> None:
    """The application's logins (members of cmms_app) belong to the installation."""
    assert lines(admin.info.dsn) == []


def test_a_changed_function_body_is_reported(admin, migrated_db: str) -> None:
    (definition,) = admin.execute(
        "SELECT pg_get_functiondef('cmms.set_updated_at()'::regprocedure)"
    ).fetchone()
    admin.execute(definition.replace("$function$\n", "$function$\n-- hot fix\n", 1))
    assert lines(migrated_db) == ["function cmms.set_updated_at(): body changed"]


def test_a_changed_view_is_reported(admin, migrated_db: str) -> None:
    (definition,) = admin.execute("SELECT pg_get_viewdef('cmms.active_teams')").fetchone()
    admin.execute(
        "CREATE OR REPLACE VIEW cmms.active_teams WITH (security_invoker = true) AS "
        + definition.rstrip().rstrip(";")
        + " AND teams.name IS NOT NULL"
    )
    assert lines(migrated_db) == ["view cmms.active_teams: definition changed"]


def test_a_changed_monthly_partition_is_named(admin, migrated_db: str) -> None:
    partition = partitions_of(admin)[-1]
    admin.execute(f"ALTER TABLE {partition} ADD CONSTRAINT extra CHECK (true)")
    assert lines(migrated_db) == [f"constraint {partition}.extra: unexpected"]


def partitions_of(admin) -> list[str]:
    return [
        name
        for (name,) in admin.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits"
            " WHERE inhparent = 'cmms.activity_logs'::regclass"
            " AND inhrelid::regclass::text LIKE 'cmms.activity_logs_p%' ORDER BY 1"
        )
    ]


def test_months_added_and_archived_by_partition_maintenance_are_not_drift(
    admin, migrated_db: str
) -> None:
    before = partitions_of(admin)
    later = datetime.now(UTC) + timedelta(days=400)
    partitions.maintain(Target(migrated_db, "test"), ahead=2, retain=1, now=later)
    after = partitions_of(admin)
    assert after != before
    assert lines(migrated_db) == []


def test_an_applications_own_tables_in_public_are_not_drift(admin, migrated_db: str) -> None:
    admin.execute("CREATE TABLE public.app_invoices (id int PRIMARY KEY)")
    admin.execute("GRANT CREATE ON SCHEMA public TO cmms_app")
    admin.execute("COMMENT ON SCHEMA public IS 'the application'")
    assert lines(migrated_db) == []


# What drift used to miss: SQL that makes the change -> the one line drift prints for it.
BLIND_SPOTS = {
    "table in cmms_archive": (
        "CREATE TABLE cmms_archive.users_copy AS SELECT * FROM cmms.users;"
        " GRANT SELECT ON cmms_archive.users_copy TO PUBLIC",
        "table cmms_archive.users_copy: unexpected",
    ),
    "extension in public": (
        "CREATE EXTENSION pg_trgm SCHEMA public",
        "extension pg_trgm: unexpected",
    ),
    "event trigger with its function in public": (
        "CREATE FUNCTION public.on_ddl() RETURNS event_trigger LANGUAGE plpgsql"
        " AS 'BEGIN END'; CREATE EVENT TRIGGER on_ddl ON ddl_command_end"
        " EXECUTE FUNCTION public.on_ddl()",
        "event trigger on_ddl: unexpected",
    ),
    "publication of every table": (
        "CREATE PUBLICATION everything FOR ALL TABLES",
        "publication everything: unexpected",
    ),
    "publication of a cmms table": (
        "CREATE PUBLICATION people FOR TABLE cmms.users",
        "publication people: unexpected",
    ),
    "column statistics": (
        "ALTER TABLE cmms.teams ALTER COLUMN name SET STATISTICS 500",
        "cmms.teams.name: statistics none -> 500",
    ),
    "column storage": (
        "ALTER TABLE cmms.teams ALTER COLUMN description SET STORAGE EXTERNAL",
        "cmms.teams.description: storage none -> external",
    ),
    "dropped column": (
        "DROP VIEW cmms.active_teams; ALTER TABLE cmms.teams DROP COLUMN description",
        "cmms.teams.description: missing",
    ),
    "added column": (
        "ALTER TABLE cmms.teams ADD COLUMN colour text",
        "cmms.teams.colour: unexpected",
    ),
}


@pytest.mark.parametrize("kind", list(BLIND_SPOTS))
def test_what_drift_used_to_miss_is_one_line(admin, migrated_db: str, kind: str) -> None:
    statement, line = BLIND_SPOTS[kind]
    admin.execute(statement)
    found = lines(migrated_db)
    if kind == "dropped column":  # the view on teams went with it
        found = [f for f in found if "active_teams" not in f]
    assert found == [line]


def test_a_publication_of_other_schemas_only_is_not_drift(admin, migrated_db: str) -> None:
    admin.execute("CREATE TABLE public.app_invoices (id int PRIMARY KEY)")
    admin.execute("CREATE PUBLICATION invoices FOR TABLE public.app_invoices")
    assert lines(migrated_db) == []


def test_pending_migrations_refuse_the_committed_snapshot(empty_db: str) -> None:
    target = Target(empty_db, "test")
    migrator.migrate(target, MIGRATIONS, to="0010")
    with pytest.raises(DriftUnavailable, match="pending") as caught:
        drift.drift(target, MIGRATIONS)
    assert "--scratch" in (caught.value.hint or "")


def test_a_scratch_database_is_migrated_like_the_target(
    empty_db: str, pg_server: Server, admin
) -> None:
    target = Target(empty_db, "test")
    migrator.migrate(target, MIGRATIONS, to="0010")
    scratch = Target(pg_server.dsn, "test")
    report = drift.drift(target, MIGRATIONS, scratch=scratch)
    assert (report.differences, report.migrations) == ([], 10)
    assert report.expected_from.startswith("scratch database on ")
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("ALTER TABLE cmms.teams NO FORCE ROW LEVEL SECURITY")
    assert lines(empty_db, scratch=scratch) == ["table cmms.teams: rls_forced true -> false"]
    leftovers = admin.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE 'cmmsdb\\_scratch\\_%'"
    ).fetchall()
    assert leftovers == []


def test_a_never_migrated_database_is_an_error(empty_db: str) -> None:
    with pytest.raises(DriftUnavailable, match="never migrated"):
        drift.drift(Target(empty_db, "test"), MIGRATIONS)


def test_a_missing_snapshot_file_says_how_to_make_it(migrated_db: str, tmp_path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    with pytest.raises(ConfigurationError, match="no committed snapshot") as caught:
        drift.drift(Target(migrated_db, "test"), folder)
    assert "cmmsdb snapshot" in (caught.value.hint or "")


def test_the_snapshot_has_no_month_in_it() -> None:
    text = (MIGRATIONS.parent / "schema.json").read_text()
    document = json.loads(text)
    assert "cmms.activity_logs_pYYYY_MM" in document["schema"]["tables"]
    assert not [t for t in document["schema"]["tables"] if "_p20" in t]
    assert "_p20" not in text


def test_differences_as_data_carry_both_values(admin, migrated_db: str) -> None:
    admin.execute("ALTER TABLE cmms.teams NO FORCE ROW LEVEL SECURITY")
    report = drift.drift(Target(migrated_db, "test"), MIGRATIONS)
    assert report.to_dict()["differences"] == [
        {
            "kind": "table",
            "object": "cmms.teams",
            "change": "changed",
            "field": "rls_forced",
            "expected": True,
            "actual": False,
            "line": "table cmms.teams: rls_forced true -> false",
        }
    ]
    assert report.to_dict()["ok"] is False
