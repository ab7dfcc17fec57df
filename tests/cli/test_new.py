"""cmmsdb new as a user runs it: the files it writes, its refusals, and a scaffolded tenant
table migrated and rolled back on a real database."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest

from cmmsdb.catalog import diff, snapshot
from cmmsdb.migrations import discover
from tests.cli.test_migrations import assert_one_clean_error
from tests.conftest import MIGRATIONS


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, copy)
    return copy


def next_id(folder: Path, name: str) -> str:
    return f"{int(discover(folder)[-1].id[:4]) + 1:04d}.{name}"


def test_prints_the_two_paths_it_created(cli, folder: Path) -> None:
    expected = next_id(folder, "add-column-users-badge")

    run = cli("new", "add-column-users-badge", "--migrations", str(folder))

    assert run.exit_code == 0, run.stderr
    assert run.stdout.splitlines() == [
        str(folder / f"{expected}.sql"),
        str(folder / f"{expected}.rollback.sql"),
    ]
    assert run.stderr == ""
    assert discover(folder)[-1].id == expected


def test_json(cli, folder: Path) -> None:
    expected = next_id(folder, "create-table-gadgets")

    tenant_table = ["--template", "tenant-table", "--table", "gadgets"]
    run = cli(
        "new",
        "create-table-gadgets",
        *tenant_table,
        "--json",
        env={"CMMSDB_MIGRATIONS": str(folder)},
    )

    assert run.exit_code == 0, run.stderr
    assert json.loads(run.stdout) == {
        "id": expected,
        "forward": str(folder / f"{expected}.sql"),
        "rollback": str(folder / f"{expected}.rollback.sql"),
        "template": "tenant-table",
    }
    assert "CREATE TABLE cmms.gadgets (" in (folder / f"{expected}.sql").read_text()


def test_a_missing_folder_is_created_and_numbering_starts_at_0001(cli, tmp_path: Path) -> None:
    run = cli("new", "create-schema", "--migrations", "fresh/migrations")

    assert run.exit_code == 0, run.stderr
    assert run.stdout.splitlines() == [
        "fresh/migrations/0001.create-schema.sql",
        "fresh/migrations/0001.create-schema.rollback.sql",
    ]
    assert (tmp_path / "fresh/migrations/0001.create-schema.sql").is_file()


def test_in_a_clone_it_writes_into_the_clone_sql_migrations(cli, tmp_path: Path) -> None:
    clone = tmp_path / "sql" / "migrations"
    shutil.copytree(MIGRATIONS, clone)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "cmmsdb"\n')
    shipped = sorted(MIGRATIONS.iterdir())
    expected = next_id(clone, "add-column-users-badge")

    run = cli("new", "add-column-users-badge")

    assert run.exit_code == 0, run.stderr
    assert run.stdout.splitlines() == [
        str(clone / f"{expected}.sql"),
        str(clone / f"{expected}.rollback.sql"),
    ]
    assert sorted(MIGRATIONS.iterdir()) == shipped


def test_outside_a_project_it_refuses_and_asks_for_migrations(cli, tmp_path: Path) -> None:
    run = cli("new", "create-schema")

    assert_one_clean_error(run, "no project in")
    assert "pass --migrations DIR" in run.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["CreateAssets"], "invalid migration name 'CreateAssets'"),
        (["0010.create-table-x"], "invalid migration name"),
        (["create-table-x", "--template", "tenant-table"], "--template tenant-table needs --table"),
        (["create-table-x", "--table", "x"], "--table is only used by --template tenant-table"),
        (
            ["create-table-x", "--template", "tenant-table", "--table", "cmms.x"],
            "invalid table name 'cmms.x'",
        ),
        (["create-table-users"], "a migration named create-table-users already exists"),
    ],
)
def test_refusals_are_one_clean_error(cli, folder: Path, args: list[str], needle: str) -> None:
    before = sorted(folder.iterdir())

    run = cli("new", *args, "--migrations", str(folder))

    assert_one_clean_error(run, needle)
    assert "hint: " in run.stderr
    assert sorted(folder.iterdir()) == before


def test_refuses_to_overwrite_a_file(cli, tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    stray = tmp_path / "m" / "0001.create-schema.rollback.sql"
    stray.write_text("-- keep me\n")

    run = cli("new", "create-schema", "--migrations", "m")

    assert_one_clean_error(run, "0001.create-schema.rollback.sql already exists")
    assert stray.read_text() == "-- keep me\n"
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [stray.name]


def test_usage_errors_exit_2(cli, folder: Path) -> None:
    missing_name = cli("new", "--migrations", str(folder))
    unknown_template = cli("new", "create-x-y", "--template", "nope", "--migrations", str(folder))

    assert missing_name.exit_code == unknown_template.exit_code == 2
    assert "Missing argument 'NAME'" in missing_name.stderr
    assert "'nope' is not one of 'blank', 'tenant-table'" in unknown_template.stderr


def test_the_command_offers_exactly_the_library_templates(cli) -> None:
    from cmmsdb import scaffold
    from cmmsdb.cli.new import Template

    assert [t.value for t in Template] == list(scaffold.TEMPLATES)
    assert "--template" in cli("new", "--help").stdout


def catalog(dsn: str) -> dict[str, Any]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return snapshot(conn)


def rows(dsn: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def test_a_blank_scaffold_applies_and_rolls_back(cli, empty_db: str, folder: Path) -> None:
    assert cli("new", "alter-table-users", "--migrations", str(folder)).exit_code == 0
    target = ["--dsn", empty_db, "--migrations", str(folder)]

    migrate = cli("migrate", *target)
    rollback = cli("rollback", *target)

    assert migrate.exit_code == 0, migrate.stderr
    assert rollback.exit_code == 0, rollback.stderr
    assert "alter-table-users" in migrate.stdout
    assert "alter-table-users" in rollback.stdout


def test_a_tenant_table_scaffold_migrates_isolates_tenants_and_rolls_back(
    cli, empty_db: str, folder: Path
) -> None:
    target = ["--dsn", empty_db, "--migrations", str(folder)]
    assert cli("migrate", *target).exit_code == 0
    before = catalog(empty_db)
    tenant_table = ["--template", "tenant-table", "--table", "widgets"]
    made = cli("new", "create-table-widgets", *tenant_table, "--json", "--migrations", str(folder))
    assert made.exit_code == 0, made.stderr
    created = json.loads(made.stdout)

    migrate = cli("migrate", *target)

    assert migrate.exit_code == 0, migrate.stderr
    assert f"applying {created['id']} ... done" in migrate.stdout
    assert rows(
        empty_db,
        "SELECT relrowsecurity, relforcerowsecurity, pg_get_userbyid(relowner)::text FROM pg_class"
        " WHERE oid = 'cmms.widgets'::regclass",
    ) == [(True, True, "cmms_owner")]
    policies = "SELECT polname, polcmd FROM pg_policy WHERE polrelid = 'cmms.widgets'::regclass"
    assert set(rows(empty_db, policies)) == {
        ("widgets_select", "r"),
        ("widgets_insert", "a"),
        ("widgets_update", "w"),
        ("widgets_delete", "d"),
    }
    assert grants(empty_db, "cmms.widgets") == {
        ("cmms_app", "DELETE"),
        ("cmms_app", "INSERT"),
        ("cmms_app", "SELECT"),
        ("cmms_app", "UPDATE"),
        ("cmms_readonly", "SELECT"),
    }
    assert grants(empty_db, "cmms.active_widgets") == {
        ("cmms_app", "SELECT"),
        ("cmms_readonly", "SELECT"),
    }
    assert set(
        rows(
            empty_db,
            "SELECT tgname, tgfoid::regproc::text FROM pg_trigger"
            " WHERE tgrelid = 'cmms.widgets'::regclass AND NOT tgisinternal",
        )
    ) == {
        ("widgets_set_updated_at", "cmms.set_updated_at"),
        ("widgets_audit_insert", "cmms.audit_row_change"),
        ("widgets_audit_update", "cmms.audit_row_change"),
        ("widgets_audit_delete", "cmms.audit_row_change"),
    }
    assert rows(
        empty_db,
        "SELECT reloptions FROM pg_class WHERE oid = 'cmms.active_widgets'::regclass",
    ) == [(["security_invoker=true"],)]
    assert_tenants_are_isolated(empty_db)

    rollback = cli("rollback", *target, "--yes")  # the isolation check left rows in widgets

    assert rollback.exit_code == 0, rollback.stderr
    assert f"rolling back {created['id']} ... done" in rollback.stdout
    assert rows(
        empty_db, "SELECT to_regclass('cmms.widgets'), to_regclass('cmms.active_widgets')"
    ) == [(None, None)]
    assert diff(before, catalog(empty_db)) == []


def test_a_hash_partitioned_scaffold_spreads_tenants_and_grants_only_the_parent(
    cli, empty_db: str, folder: Path
) -> None:
    target = ["--dsn", empty_db, "--migrations", str(folder)]
    table = ["--template", "tenant-table", "--table", "widgets", "--hash-partitions", "4"]
    assert cli("new", "create-table-widgets", *table, "--migrations", str(folder)).exit_code == 0

    assert cli("migrate", *target).exit_code == 0

    partitions = rows(
        empty_db,
        "SELECT c.relname, c.relkind FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = 'cmms.widgets'::regclass ORDER BY 1",
    )
    assert [name for name, _ in partitions] == [f"widgets_p{n}" for n in range(4)]
    for name, _ in partitions:
        assert grants(empty_db, f"cmms.{name}") == set(), name
    assert ("cmms_app", "INSERT") in grants(empty_db, "cmms.widgets")
    assert_tenants_are_isolated(empty_db)


def grants(dsn: str, relation: str) -> set[tuple[str, str]]:
    found = rows(
        dsn,
        "SELECT pg_get_userbyid(a.grantee)::text, a.privilege_type FROM pg_class c,"
        " aclexplode(c.relacl) AS a WHERE c.oid = %s::regclass AND a.grantee <> c.relowner",
        relation,
    )
    return set(found)


def assert_tenants_are_isolated(dsn: str) -> None:
    """As cmms_app a tenant writes and reads only its own widgets, and without a context
    reads none; cmms_readonly cannot write; every change reaches the audit trail."""
    insert = "INSERT INTO cmms.widgets (organization_id, name) VALUES (%s, 'w')"
    with psycopg.connect(dsn, autocommit=True) as conn:
        ((a,), (b,)) = conn.execute(
            "INSERT INTO cmms.organizations (name, slug) VALUES ('A', 'a'), ('B', 'b') RETURNING id"
        ).fetchall()

        def as_role(role: str, org: Any, sql: str, *params: Any) -> Any:
            with conn.transaction():
                conn.execute(f"SET LOCAL ROLE {role}")
                if org is not None:
                    conn.execute("SELECT cmms.set_context(%s)", [org])
                cursor = conn.execute(sql, params)
                return cursor.fetchone() if cursor.description else None

        as_role("cmms_app", a, insert, a)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            as_role("cmms_app", a, insert, b)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            as_role("cmms_readonly", a, insert, a)
        count = "SELECT count(*) FROM cmms.active_widgets"
        assert as_role("cmms_app", a, count) == (1,)
        assert as_role("cmms_readonly", a, count) == (1,)
        assert as_role("cmms_app", b, count) == (0,)
        assert as_role("cmms_app", None, count) == (0,)
        audit = "SELECT table_name, action FROM cmms.activity_logs WHERE organization_id = %s"
        assert conn.execute(audit, [a]).fetchall() == [
            ("organizations", "insert"),
            ("widgets", "insert"),
        ]
